{#- Overrides dbt's get_where_subquery, which wraps the model a generic data test reads (the `where` config).
    When var data_tests_recent_days is set (the daily incremental job: docs/fleet_battery.md), tests of the
    event-sized incremental models (event_incremental_config, meta.partition_date) read only their last N days,
    the partitions the run rebuilt, instead of every row since the start: production does not re-scan history
    to test one new day. Unset (the default: CI, demo, full refresh), every row is tested. The bound is a date
    literal read from the table, so DuckDB skips row groups and BigQuery prunes partitions. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- if config.get('where') -%}
        {%- do conditions.append(config.get('where')) -%}
    {%- endif -%}
    {%- set recent = recent_partitions_condition() -%}
    {%- if recent -%}
        {%- do conditions.append(recent) -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}
