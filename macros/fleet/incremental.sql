{#- First local date an incremental run of the telematics path recomputes: the latest date already built minus
    var telematics_lookback_days (late messages up to that many days old are absorbed; older ones need a
    --full-refresh), minus one more day for neighbours (next ping, sessions) that straddle the boundary.
    Built on incremental_partition_floor (macros/bigquery/incremental.sql), so BigQuery prunes partitions.
    literal=true: a date literal read from {{ this }} on every adapter, for a model that is not partitioned by
    date_column itself (BigQuery declares _dbt_max_partition only for partitioned insert_overwrite models). -#}
{% macro telematics_rebuild_from(date_column, literal=false) -%}
    {%- set days = (var('telematics_lookback_days') | int) + 1 -%}
    {%- if literal -%}
        {{ default__incremental_partition_floor(date_column, days) }}
    {%- else -%}
        {{ incremental_partition_floor(date_column, days) }}
    {%- endif -%}
{%- endmacro %}
