{#- dbt's is_incremental(), unless var bigquery_check_incremental is set: then the offline BigQuery check
    (scripts/check_bigquery, no warehouse to introspect) compiles incremental models in the state it asks. -#}
{% macro is_incremental() %}
    {%- if var('bigquery_check_incremental', none) is not none -%}
        {{ return(var('bigquery_check_incremental') and model.config.materialized == 'incremental') }}
    {%- endif -%}
    {{ return(dbt.is_incremental()) }}
{% endmacro %}
