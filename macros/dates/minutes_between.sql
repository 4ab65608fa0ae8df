{#- Whole minutes from one UTC timestamp to a later one, as a fraction (seconds / 60). -#}
{% macro minutes_between(start_ts, end_ts) -%}
    ({{ dbt.datediff(start_ts, end_ts, 'second') }} / 60.0)
{%- endmacro %}
