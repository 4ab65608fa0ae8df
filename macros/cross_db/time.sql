{#- Timestamps are UTC (naive `timestamp` in DuckDB, `timestamp` in BigQuery); dates are local. -#}

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

{#- Whole minutes from one UTC timestamp to a later one, as a fraction (seconds / 60). -#}
{% macro minutes_between(start_ts, end_ts) -%}
    ({{ dbt.datediff(start_ts, end_ts, 'second') }} / 60.0)
{%- endmacro %}

{#- One row per day from start to end (inclusive), column date_day; start/end are date expressions. -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'lafa')(start_date, end_date)) }}
{%- endmacro %}

{% macro duckdb__days_between(start_date, end_date) -%}
    select cast(unnest(generate_series(cast({{ start_date }} as timestamp), cast({{ end_date }} as timestamp), interval 1 day)) as date) as date_day
{%- endmacro %}

{% macro bigquery__days_between(start_date, end_date) -%}
    select date_day from unnest(generate_date_array({{ start_date }}, {{ end_date }})) as date_day
{%- endmacro %}

{#- A date as a continuous month number (year * 12 + month - 1 + fraction of the month), for trends. -#}
{% macro month_number(date_expression) -%}
    (
        extract(year from {{ date_expression }}) * 12 + extract(month from {{ date_expression }}) - 1
        + (extract(day from {{ date_expression }}) - 1) / 30.4375
    )
{%- endmacro %}

{#- The Monday of a date's ISO week (BigQuery's `week` starts on Sunday, hence the dispatch). -#}
{% macro week_start(date_expression) -%}
    {{ return(adapter.dispatch('week_start', 'lafa')(date_expression)) }}
{%- endmacro %}

{% macro default__week_start(date_expression) -%}
    cast(date_trunc('week', {{ date_expression }}) as date)
{%- endmacro %}

{% macro bigquery__week_start(date_expression) -%}
    date_trunc({{ date_expression }}, isoweek)
{%- endmacro %}

{#- Whole days from one date to a later one (dbt.datediff renders a long expression on DuckDB). -#}
{% macro days_from_to(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_from_to', 'lafa')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_from_to(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro bigquery__days_from_to(start_date, end_date) -%}
    date_diff({{ end_date }}, {{ start_date }}, day)
{%- endmacro %}

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
