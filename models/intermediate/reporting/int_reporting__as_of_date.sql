{#- One row: the as-of date of every report, the last day the lending calendar, the operating days and the ML
    snapshots run to. Var as_of_date when set; else the last complete local day before the newest payments export
    was cut (its exported_at, else its load time). A day nobody pays does not move it back; a late older export does
    not move it at all. Models read it through the as_of_date macro. -#}
with payments as (
    select max(exported_at) as newest_export_at
    from {{ ref('stg_lending__payments') }}
),

final as (
    select
        {% if var('as_of_date') -%}
            cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
            cast({{ dbt.dateadd('day', -1, local_date('newest_export_at')) }} as date)
        {%- endif %} as as_of_date
    from payments
)

select * from final
