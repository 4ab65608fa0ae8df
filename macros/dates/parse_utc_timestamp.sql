{#- Text as the sources send it (ISO-8601 with an offset or Z) to a UTC timestamp. -#}
{% macro parse_utc_timestamp(text) -%}
    {{ return(adapter.dispatch('parse_utc_timestamp', 'lafa')(text)) }}
{%- endmacro %}

{% macro duckdb__parse_utc_timestamp(text) -%}
    timezone('UTC', cast(trim({{ text }}) as timestamptz))
{%- endmacro %}

{% macro bigquery__parse_utc_timestamp(text) -%}
    timestamp(trim({{ text }}))
{%- endmacro %}
