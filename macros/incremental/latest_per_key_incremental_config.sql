{#- The second pattern (docs/bigquery.md): a small table of one row per key (e.g. each vehicle's latest reading)
    kept up to date from the recent partitions of an event-partitioned model. Not partitioned itself; merge on
    BigQuery, delete+insert elsewhere, both on unique_key. Its incremental SQL must filter source_partition_date
    with a literal (no _dbt_max_partition here: incremental_partition_floor(..., literal=true)), which
    scripts/check_bigquery.py checks through meta.source_partition_date. -#}
{% macro latest_per_key_incremental_config(unique_key, source_partition_date) -%}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'merge' if target.type == 'bigquery' else 'delete+insert',
        'unique_key': unique_key,
        'on_schema_change': 'fail',
        'meta': {'source_partition_date': source_partition_date},
    }) }}
{%- endmacro %}
