{#- Whole days from one date to a later one (dbt.datediff renders a long expression on DuckDB). -#}
{% macro days_from_to(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_from_to', 'lafa')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_from_to(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro bigquery__days_from_to(start_date, end_date) -%}
    date_diff({{ end_date }}, {{ start_date }}, day)
{%- endmacro %}
