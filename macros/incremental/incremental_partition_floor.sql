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

{% macro bigquery__incremental_partition_floor(partition_date, lookback_days) -%}
    date_sub(_dbt_max_partition, interval {{ lookback_days }} day)
{%- endmacro %}
