{#- Overrides dbt's generate_schema_name (which would name schemas <target schema>_<layer>, e.g. main_marts on DuckDB):
    one schema per layer. DuckDB: staging, intermediate, marts, seeds (raw is written by the loader).
    BigQuery: datasets <target dataset>_<layer>, e.g. lafa_marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ return(adapter.dispatch('layer_schema_name', 'lafa')(custom_schema_name | trim)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__layer_schema_name(layer) -%}
    {{ return(layer) }}
{%- endmacro %}

{% macro bigquery__layer_schema_name(layer) -%}
    {{ return(target.schema ~ '_' ~ layer) }}
{%- endmacro %}
