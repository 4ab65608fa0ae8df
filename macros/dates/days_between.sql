{#- One row per day from start to end (inclusive), column date_day; start/end are date expressions. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'lafa')(start_date, end_date)) }}
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
    select cast(unnest(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day)) as date) as date_day
{%- endmacro %}

{% macro bigquery__days_between(start_date, end_date) -%}
    select date_day from unnest(generate_date_array({{ start_date }}, {{ end_date }})) as date_day
{%- endmacro %}
