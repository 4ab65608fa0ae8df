{#- The last event date of a source known on snapshot_date, for a source with a delay in days (a feature window ends
    there). -#}
{% macro ml_last_known_date(source_name, snapshot_date) -%}
    {{ add_days(snapshot_date, -var('ml_known_after')[source_name]) }}
{%- endmacro %}
