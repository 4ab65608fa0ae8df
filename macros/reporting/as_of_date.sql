{#- The as-of date of every report as a scalar SQL expression: the one row of int_reporting__as_of_date, where the
    rule lives; var as_of_date, when set, as a literal (so a pinned build or unit test needs no as-of input). -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select as_of_date from {{ ref('int_reporting__as_of_date') }})
    {%- endif -%}
{%- endmacro %}
