{#- The as-of date of lending (data_through_date, the last day of the lending calendar): var as_of_date, else the
    last complete local day before the newest payments export was cut (its exported_at, else its load time). A
    day nobody pays does not move it back; a late older export does not move it at all. -#}
{% macro lending_as_of_date() -%}
    {%- if var('as_of_date') -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (
            select cast({{ dbt.dateadd('day', -1, local_date('max(exported_at)')) }} as date)
            from {{ ref('stg_lending__payments') }}
        )
    {%- endif -%}
{%- endmacro %}
