{#- The local hour (0-23, var lafa_timezone) of a UTC timestamp. -#}
{% macro local_hour(ts) -%}
    {{ return(adapter.dispatch('local_hour', 'lafa')(ts)) }}
{%- endmacro %}

{% macro duckdb__local_hour(ts) -%}
    cast(extract(hour from timezone('{{ var("lafa_timezone") }}', timezone('UTC', {{ ts }}))) as integer)
{%- endmacro %}

{% macro bigquery__local_hour(ts) -%}
    extract(hour from datetime({{ ts }}, '{{ var("lafa_timezone") }}'))
{%- endmacro %}
