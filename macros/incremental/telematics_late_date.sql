{#- The day before the earliest local day that received readings since this model was last built, or none: late
    readings of any age up to var telematics_late_max_days (14) before the model's latest date reach the marts in
    the next ordinary run (older ones need a --full-refresh). "Since the last build" = loaded after the newest
    loaded_at this model holds (every telematics incremental model carries the load time of what it read);
    readings are found in the model's own input: the staging view for int_fleet__telematics_intervals, the
    intervals for the others. Two queries with literal bounds (a scalar subquery would defeat BigQuery's partition
    pruning); a placeholder date in the offline BigQuery check. -#}
{% macro telematics_late_date(date_column) -%}
    {%- if not execute or not is_incremental() -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if var('bigquery_check_incremental', none) is not none -%}
        {{ return(modules.datetime.date(2000, 1, 1)) }}
    {%- endif -%}
    {%- set bounds = run_query(
        'select max(loaded_at), cast(' ~ dbt.dateadd('day', -(var('telematics_late_max_days') | int), 'max(' ~ date_column ~ ')')
        ~ ' as date) from ' ~ this
    ).rows[0] -%}
    {%- if bounds[0] is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set watermark = bounds[0].strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    {%- if this.identifier == 'int_fleet__telematics_intervals' -%}
        {%- set readings = ref('stg_telematics__vehicle_stats') -%}
        {#- the reading-time bound lets the raw scan prune by event time (a local day starts at most 14 h before its
            UTC midnight) -#}
        {%- set prune = " and recorded_at >= cast('" ~ (bounds[1] - modules.datetime.timedelta(days=1)) ~ "' as "
            ~ dbt.type_timestamp() ~ ")" -%}
    {%- else -%}
        {%- set readings = ref('int_fleet__telematics_intervals') -%}
        {%- set prune = '' -%}
    {%- endif -%}
    {%- set earliest = run_query(
        'select min(recorded_date) from ' ~ readings ~ " where loaded_at > cast('" ~ watermark ~ "' as "
        ~ dbt.type_timestamp() ~ ") and recorded_date >= cast('" ~ bounds[1] ~ "' as date)" ~ prune
    ).columns[0].values()[0] -%}
    {{ return(none if earliest is none else earliest - modules.datetime.timedelta(days=1)) }}
{%- endmacro %}
