{#- The Monday of a date's ISO week (BigQuery's `week` starts on Sunday, hence the dispatch). -#}
{% macro week_start(date_expression) -%}
    {{ return(adapter.dispatch('week_start', 'lafa')(date_expression)) }}
{%- endmacro %}

{% macro default__week_start(date_expression) -%}
    cast(date_trunc('week', {{ date_expression }}) as date)
{%- endmacro %}

{% macro bigquery__week_start(date_expression) -%}
    date_trunc({{ date_expression }}, isoweek)
{%- endmacro %}
