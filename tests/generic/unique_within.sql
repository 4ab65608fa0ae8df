{#- The column is unique within each partition (e.g. one reading per vehicle and time): the same check as
    unique_combination on (partition_by, column), written as one sorted pass that compares each row with the one
    before it, which is ~2x cheaper than a hash aggregate over a table of tens of millions of rows
    (docs/performance.md, "Design decisions for speed"). Rows with a null in either column are the not_null tests' business. -#}
{% test unique_within(model, column_name, partition_by) %}
    select
        {{ partition_by }},
        {{ column_name }}
    from (
        select
            {{ partition_by }},
            {{ column_name }},
            lag({{ column_name }}) over (partition by {{ partition_by }} order by {{ column_name }}) as previous_value
        from {{ model }}
    ) as ordered
    where previous_value = {{ column_name }}
{% endtest %}
