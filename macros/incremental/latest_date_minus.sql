{#- max(date_column) of a relation minus `days`, read now (a Python date; none when empty or at parse time; a
    placeholder in the offline BigQuery check, which has no warehouse to read). -#}
{% macro latest_date_minus(relation, date_column, days) -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if var('bigquery_check_incremental', none) is not none -%}
        {{ return(modules.datetime.date(2000, 1, 1)) }}
    {%- endif -%}
    {{ return(run_query(
        'select cast(' ~ dbt.dateadd('day', -days, 'max(' ~ date_column ~ ')') ~ ' as date) from ' ~ relation
    ).columns[0].values()[0]) }}
{%- endmacro %}
