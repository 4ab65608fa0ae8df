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
