{#- Trimmed, lower-cased text for categorical fields; blank becomes null. -#}
{% macro clean_category(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}
