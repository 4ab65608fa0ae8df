{#- First local date an incremental run of the telematics path recomputes: the latest date already built minus
    var telematics_lookback_days, minus one more day for neighbours (next reading, sessions) that straddle the
    boundary; earlier when readings of an older day arrived since the last build (telematics_late_date). Built on
    incremental_partition_floor (macros/incremental/), so BigQuery prunes partitions; literal=true
    for a model not partitioned by date_column itself. -#}
{% macro telematics_rebuild_from(date_column, literal=false) -%}
    {%- set floor = incremental_partition_floor(date_column, (var('telematics_lookback_days') | int) + 1, literal) -%}
    {%- set late = telematics_late_date(date_column) -%}
    {%- if late is none -%}
        {{ floor }}
    {%- else -%}
        least({{ floor }}, cast('{{ late }}' as date))
    {%- endif -%}
{%- endmacro %}
