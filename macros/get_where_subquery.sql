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

{#- `<partition date> >= <latest date - (N - 1) days>` for a test of an event-partitioned model when var
    data_tests_recent_days = N is set; '' otherwise. -#}
{% macro recent_partitions_condition() -%}
    {%- if var('data_tests_recent_days') is none or not execute or not model.attached_node -%}
        {{ return('') }}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- set partition_date = (tested.config.meta or {}).get('partition_date') if tested else none -%}
    {%- if not partition_date -%}
        {{ return('') }}
    {%- endif -%}
    {%- set relation = api.Relation.create(database=tested.database, schema=tested.schema, identifier=tested.alias) -%}
    {{ return(recent_days_condition(relation, partition_date)) }}
{%- endmacro %}

{#- The same condition for any relation and date column (singular tests call it): `<date_column> >= <its latest
    date - (N - 1) days>` when var data_tests_recent_days = N is set, '' otherwise. -#}
{% macro recent_days_condition(relation, date_column) -%}
    {%- set days = var('data_tests_recent_days') -%}
    {%- if days is none or not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set floor = latest_date_minus(relation, date_column, (days | int) - 1) -%}
    {%- if floor is none -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(date_column ~ " >= cast('" ~ floor ~ "' as date)") }}
{%- endmacro %}
