{#- dbt_utils.deduplicate on DuckDB. dbt_utils has no DuckDB variant, and its default joins the table back to
    itself with a natural join, which drops every row holding a null (null never equals null) and reads the table
    twice; DuckDB has qualify, as Snowflake and Databricks do, whose variants this one copies. -#}
{%- macro duckdb__deduplicate(relation, partition_by, order_by) -%}
    select *
    from {{ relation }}
    qualify row_number() over (partition by {{ partition_by }} order by {{ order_by }}) = 1
{%- endmacro -%}
