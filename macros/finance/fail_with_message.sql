{#- A SQL expression that stops the query with a database error carrying `message` (a string expression) when it
    is evaluated, so a failing data test names what is wrong in the build's log, not only a row count. DuckDB:
    error(). BigQuery: ERROR() is the same function, but the offline check (scripts/check_bigquery.py) does not know
    it yet, so a cast of the message to INT64 fails with "Bad int64 value: <message>" instead. -#}
{% macro fail_with_message(message) -%}
    {{ return(adapter.dispatch('fail_with_message', 'lafa')(message)) }}
{%- endmacro %}

{% macro default__fail_with_message(message) -%}
    error({{ message }})
{%- endmacro %}

{% macro bigquery__fail_with_message(message) -%}
    cast({{ message }} as int64)
{%- endmacro %}
