{#- The UTC timestamp at which a local date (var lafa_timezone) begins. -#}
{% macro local_midnight_utc(local_date) -%}
    {{ return(adapter.dispatch('local_midnight_utc', 'lafa')(local_date)) }}
{%- endmacro %}

{% macro duckdb__local_midnight_utc(local_date) -%}
    timezone('UTC', timezone('{{ var("lafa_timezone") }}', cast({{ local_date }} as timestamp)))
{%- endmacro %}

{% macro bigquery__local_midnight_utc(local_date) -%}
    timestamp(datetime({{ local_date }}), '{{ var("lafa_timezone") }}')
{%- endmacro %}
