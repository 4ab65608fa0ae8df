{#- The pattern every event-sized incremental model follows (docs/bigquery.md, "Incremental models"):

        {{ config(**event_incremental_config('recorded_date')) }}
        ...
        {% if is_incremental() %}
            where recorded_date >= {{ incremental_partition_floor('recorded_date', var('telematics_lookback_days')) }}
        {% endif %}

    BigQuery: partitioned by the event date (day), clustered (default: vehicle_id); insert_overwrite
    replaces whole partitions, or merge on unique_key when one is given. DuckDB and any other adapter:
    delete+insert on unique_key (default: the event date, so whole days are replaced).
    A BigQuery partition_by dict breaks dbt-duckdb, hence the switch on target.type here and only here.
    scripts/check_bigquery.py fails any incremental model that is not partitioned by a date and clustered
    on BigQuery, uses another strategy there, or whose incremental SQL does not filter the partition column. -#}
{% macro event_incremental_config(partition_date, cluster_by=['vehicle_id'], unique_key=none) -%}
    {#- meta.partition_date: where data tests find the date when var data_tests_recent_days is set
        (macros/overrides/get_where_subquery.sql) -#}
    {%- if target.type == 'bigquery' -%}
        {%- set config = {
            'materialized': 'incremental',
            'incremental_strategy': 'insert_overwrite' if unique_key is none else 'merge',
            'partition_by': {'field': partition_date, 'data_type': 'date', 'granularity': 'day'},
            'cluster_by': cluster_by,
            'on_schema_change': 'fail',
            'meta': {'partition_date': partition_date},
        } -%}
        {%- if unique_key is not none -%}
            {%- do config.update({'unique_key': unique_key}) -%}
        {%- endif -%}
        {{ return(config) }}
    {%- else -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'delete+insert',
            'unique_key': partition_date if unique_key is none else unique_key,
            'on_schema_change': 'fail',
            'meta': {'partition_date': partition_date},
        }) }}
    {%- endif -%}
{%- endmacro %}
