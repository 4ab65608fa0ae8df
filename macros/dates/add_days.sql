{#- A date expression plus n days (n an integer literal or expression), as a date on every adapter. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}
