{#- First local date an incremental run of the telematics path recomputes: the latest date already built minus
    var telematics_lookback_days (late messages up to that many days old are absorbed; older ones need a
    --full-refresh), minus one more day for neighbours (next ping, sessions) that straddle the boundary.
    Built on incremental_partition_floor (macros/bigquery/incremental.sql), so BigQuery prunes partitions;
    literal=true for a model not partitioned by date_column itself. -#}
{% macro telematics_rebuild_from(date_column, literal=false) -%}
    {{ incremental_partition_floor(date_column, (var('telematics_lookback_days') | int) + 1, literal) }}
{%- endmacro %}
