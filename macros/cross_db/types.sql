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

{#- Trimmed, lower-cased text for categorical fields; blank becomes null. -#}
{% macro clean_category(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- Trimmed text; blank becomes null. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}
