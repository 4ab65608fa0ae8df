{#- Keep one row per key of a snapshot source (files are exports of current state): the row of the newest export.
    An export's time is its exported_at when the source carries one (a column holding an ISO-8601 text, one value
    per file: the loader rejects a file with two), else the file's load time; ties (same export) go to the latest
    load, then file and line. An older export loaded later never overrides a newer one. Two rows of one key in
    one file never reach here: the loader quarantines them. `key` is a column name (compared trimmed, as the loader
    compares keys) or a list of SQL expressions (a composite key, normalised by the caller). The row is picked by
    dbt_utils.deduplicate (on DuckDB through this project's duckdb__deduplicate). -#}
{% macro latest_loaded(relation, key, exported_at=none) -%}
    {%- set newest_first -%}
        {% if exported_at -%}
            coalesce({{ parse_utc_timestamp(clean_text(exported_at)) }}, _loaded_at) desc,
        {% endif -%}
        _loaded_at desc, _file desc, _row_number desc
    {%- endset -%}
    {{ dbt_utils.deduplicate(
        relation,
        partition_by='trim(' ~ key ~ ')' if key is string else key | join(', '),
        order_by=newest_first
    ) }}
{%- endmacro %}
