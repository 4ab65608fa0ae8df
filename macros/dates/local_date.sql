{#- The local calendar date (var lafa_timezone, tz database rules) of a UTC timestamp. -#}
{% macro local_date(ts) -%}
    {{ return(adapter.dispatch('local_date', 'lafa')(ts)) }}
{%- endmacro %}

{% macro duckdb__local_date(ts) -%}
    cast(timezone('{{ var("lafa_timezone") }}', timezone('UTC', {{ ts }})) as date)
{%- endmacro %}

{% macro bigquery__local_date(ts) -%}
    date({{ ts }}, '{{ var("lafa_timezone") }}')
{%- endmacro %}
