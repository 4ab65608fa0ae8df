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
        (macros/get_where_subquery.sql) -#}
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

{#- First partition date an incremental run rebuilds: the latest date already built minus lookback_days.
    Always a constant at query time, because only a constant prunes: on BigQuery _dbt_max_partition, the
    script variable dbt-bigquery declares (max of the partition column of {{ this }}) before the model's query
    when the SQL names it (a scalar subquery in the filter is dynamic and may scan every partition); elsewhere
    a date literal read from {{ this }} when the model runs (DuckDB then skips row groups by their min/max and
    pushes the filter below window functions partitioned by the date, which a subquery defeats).
    literal=true: the date literal on every adapter, for a model not partitioned by partition_date itself
    (dbt-bigquery declares _dbt_max_partition only for partitioned tables; latest_per_key_incremental_config). -#}
{% macro incremental_partition_floor(partition_date, lookback_days=0, literal=false) -%}
    {%- if literal -%}
        {{ return(default__incremental_partition_floor(partition_date, lookback_days | int)) }}
    {%- endif -%}
    {{ return(adapter.dispatch('incremental_partition_floor', 'lafa')(partition_date, lookback_days | int)) }}
{%- endmacro %}

{% macro default__incremental_partition_floor(partition_date, lookback_days) -%}
    {%- set floor = latest_date_minus(this, partition_date, lookback_days) -%}
    {%- if floor is none -%}cast(null as date){%- else -%}cast('{{ floor }}' as date){%- endif -%}
{%- endmacro %}

{#- max(date_column) of a relation minus `days`, read now (a Python date; none when empty or at parse time; a
    placeholder in the offline BigQuery check, which has no warehouse to read). -#}
{% macro latest_date_minus(relation, date_column, days) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if var('bigquery_check_incremental', none) is not none -%}
        {{ return(modules.datetime.date(2000, 1, 1)) }}
    {%- endif -%}
    {{ return(run_query(
        'select cast(' ~ dbt.dateadd('day', -days, 'max(' ~ date_column ~ ')') ~ ' as date) from ' ~ relation
    ).columns[0].values()[0]) }}
{%- endmacro %}

{% macro bigquery__incremental_partition_floor(partition_date, lookback_days) -%}
    date_sub(_dbt_max_partition, interval {{ lookback_days }} day)
{%- endmacro %}
