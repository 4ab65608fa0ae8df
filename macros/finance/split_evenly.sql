{#- Cost allocation rule (docs/design.md, "Metric definitions"): a shared amount is split evenly across the n members of
    its group to the centavo, nothing lost to rounding: every member gets floor(cents / n) centavos and the
    first (cents mod n) members by `member_rank` (1..n) get one centavo more. Returns MXN/USD with 2 decimals. -#}
{% macro split_evenly(amount, member_count, member_rank) -%}
    cast(
        (
            floor(round({{ amount }} * 100) / {{ member_count }})
            + case
                when {{ member_rank }}
                    <= round({{ amount }} * 100) - floor(round({{ amount }} * 100) / {{ member_count }}) * {{ member_count }}
                    then 1
                else 0
            end
        ) / 100 as {{ type_money() }}
    )
{%- endmacro %}
