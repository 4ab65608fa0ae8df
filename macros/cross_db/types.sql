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

{#- 8-byte floating point: DOUBLE on DuckDB, FLOAT64 on BigQuery (dbt.type_float() is a 4-byte FLOAT on DuckDB). -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'lafa')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double
{%- endmacro %}

{% macro bigquery__type_double() -%}
    float64
{%- endmacro %}
