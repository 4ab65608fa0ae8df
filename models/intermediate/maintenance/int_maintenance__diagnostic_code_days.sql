{#- Diagnostic trouble codes per vehicle and local date, counted by severity (var dtc_severities). -#}
with diagnostic_codes as (
    select
        vehicle_id,
        recorded_date,
        severity
    from {{ ref('stg_maintenance__diagnostic_codes') }}
),

final as (
    select
        vehicle_id,
        recorded_date,
        cast(count(*) as {{ dbt.type_int() }}) as dtc_events,
    {%- for severity in var('dtc_severities') %}
        cast(sum(case when severity = '{{ severity }}' then 1 else 0 end) as {{ dbt.type_int() }})
            as dtc_{{ severity }}_events
        {{- "," if not loop.last }}
    {%- endfor %}
    from diagnostic_codes
    group by 1, 2
)

select * from final
