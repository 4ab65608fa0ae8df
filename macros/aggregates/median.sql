{#- Median as an aggregate: exact on DuckDB; on BigQuery approx_quantiles with 100 buckets (BigQuery has no
    exact median aggregate; groups here are small, where the approximation is exact in practice). -#}
{% macro median(expression) -%}
    {{ return(adapter.dispatch('median', 'lafa')(expression)) }}
{%- endmacro %}

{% macro default__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro bigquery__median(expression) -%}
    approx_quantiles({{ expression }}, 100)[offset(50)]
{%- endmacro %}
