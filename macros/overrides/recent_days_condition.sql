{#- The same condition for any relation and date column (singular tests call it): `<date_column> >= <its latest
    date - (N - 1) days>` when var data_tests_recent_days = N is set, '' otherwise. -#}
{% macro recent_days_condition(relation, date_column) -%}
    {%- set days = var('data_tests_recent_days') -%}
    {%- if days is none or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set floor = latest_date_minus(relation, date_column, (days | int) - 1) -%}
    {%- if floor is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(date_column ~ " >= cast('" ~ floor ~ "' as date)") }}
{%- endmacro %}
