{#- A missing price is never a zero: the sum of `amount` over the rows where `condition` holds, null when any of
    those rows has a null amount (an unpriced cost), 0 when there are none (no cost at all). -#}
{% macro sum_priced(amount, condition='true') -%}
    case
        when count(case when ({{ condition }}) and {{ amount }} is null then 1 end) = 0
            then coalesce(sum(case when {{ condition }} then {{ amount }} end), 0)
    end
{%- endmacro %}
