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
