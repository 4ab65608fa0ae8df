{#- Money is exact: decimal(18, 2) on DuckDB, NUMERIC on BigQuery. -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'lafa')()) }}
{%- endmacro %}

{% macro default__type_money() -%}
    decimal(18, 2)
{%- endmacro %}

{% macro bigquery__type_money() -%}
    numeric
{%- endmacro %}
