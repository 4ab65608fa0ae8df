{#- DPD buckets of docs/design.md, "Metric definitions". -#}
{% macro dpd_bucket(dpd) -%}
    case
        when {{ dpd }} = 0 then 'current'
        when {{ dpd }} <= 7 then '1-7'
        when {{ dpd }} <= 30 then '8-30'
        when {{ dpd }} <= 60 then '31-60'
        when {{ dpd }} <= 90 then '61-90'
        else '90+'
    end
{%- endmacro %}
