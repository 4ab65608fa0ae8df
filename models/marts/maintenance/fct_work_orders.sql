{#- One row per work order: kind, component, downtime, parts and labour, odometer and km since the previous
    preventive service, and the diagnostic trouble codes of the look-back window before it opened (int_maintenance__
    work_orders holds the rules and the types; this mart publishes them as they are). -#}
with work_orders as (
    select
        work_order_id,
        vehicle_id,
        kind,
        component,
        opened_at,
        opened_date,
        closed_at,
        closed_date,
        is_open,
        downtime_days,
        odometer_km,
        km_since_previous_service,
        parts_mxn,
        labor_mxn,
        total_mxn,
        prior_dtc_events_30d,
    {%- for severity in var('dtc_severities') %}
        prior_dtc_{{ severity }}_events_30d
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ ref('int_maintenance__work_orders') }}
),

final as (
    select * from work_orders
)

select * from final
