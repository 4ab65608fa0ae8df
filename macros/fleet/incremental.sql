{#- Config of a telematics-sized model rebuilt a day at a time: partitioned by `date_column` and clustered
    by vehicle on BigQuery (insert_overwrite replaces whole partitions), delete+insert of whole days on DuckDB.
    A BigQuery partition_by dict breaks dbt-duckdb, hence the switch on target.type here and only here. -#}
{% macro daily_incremental_config(date_column, cluster_by=['vehicle_id']) -%}
    {%- if target.type == 'bigquery' -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'insert_overwrite',
            'partition_by': {'field': date_column, 'data_type': 'date'},
            'cluster_by': cluster_by,
            'on_schema_change': 'fail',
        }) }}
    {%- else -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'delete+insert',
            'unique_key': date_column,
            'on_schema_change': 'fail',
        }) }}
    {%- endif -%}
{%- endmacro %}

{#- First local date an incremental run recomputes: the latest date already built minus
    var telematics_lookback_days (late messages up to that many days old are absorbed; older ones need a
    --full-refresh). One extra day covers neighbours (next ping, sessions) that straddle the boundary. -#}
{% macro telematics_rebuild_from(date_column) -%}
    (
        select cast({{ dbt.dateadd('day', -(var('telematics_lookback_days', 3) | int) - 1, 'max(' ~ date_column ~ ')') }} as date)
        from {{ this }}
    )
{%- endmacro %}
