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

{#- DPD buckets of DESIGN.md section 4. -#}
{% macro dpd_bucket(dpd) -%}
    case
        when {{ dpd }} = 0 then 'current'
        when {{ dpd }} <= 7 then '1-7'
        when {{ dpd }} <= 30 then '8-30'
        when {{ dpd }} <= 60 then '31-60'
        when {{ dpd }} <= 90 then '61-90'
        else '90+'
    end
{%- endmacro %}
