{#- The first local date on which an event of a source dated event_date is known and final (var ml_known_after, docs/ml):
    a number of days after it, or `month` for sources exported once per month (the first day of the next month). -#}
{% macro ml_known_date(source_name, event_date) -%}
    {%- set delay = var('ml_known_after')[source_name] -%}
    {%- if delay == 'month' -%}
        cast({{ dbt.dateadd('month', 1, dbt.date_trunc('month', event_date)) }} as date)
    {%- else -%}
        {{ add_days(event_date, delay) }}
    {%- endif -%}
{%- endmacro %}
