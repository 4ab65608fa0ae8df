{#- A date as a continuous month number (year * 12 + month - 1 + fraction of the month), for trends. -#}
{% macro month_number(date_expression) -%}
    (
        extract(year from {{ date_expression }}) * 12 + extract(month from {{ date_expression }}) - 1
        + (extract(day from {{ date_expression }}) - 1) / 30.4375
    )
{%- endmacro %}
