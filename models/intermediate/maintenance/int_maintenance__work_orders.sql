{#- One row per work order with its downtime, its odometer distance since the vehicle's previous preventive service
    and the diagnostic trouble codes in the look-back window before it opened (var dtc_lookback_days, by severity).
    Downtime runs from opened_at to closed_at; an order still open counts to the end of the as-of date. -#}
with work_orders as (
    select
        work_order_id,
        vehicle_id,
        opened_at,
        opened_date,
        closed_at,
        kind,
        component,
        odometer_km,
        parts_cost_mxn,
        labor_cost_mxn
    from {{ ref('stg_maintenance__work_orders') }}
),

diagnostic_codes as (
    select
        vehicle_id,
        recorded_at,
        severity
    from {{ ref('stg_maintenance__diagnostic_codes') }}
),

as_of as (
    select {{ local_midnight_utc(dbt.dateadd('day', 1, as_of_date())) }} as as_of_end_at
),

timed_orders as (
    select
        work_orders.work_order_id,
        -- still open: to the end of the as-of date (an order opened after it has no downtime yet)
        coalesce(
            work_orders.closed_at,
            case when as_of.as_of_end_at > work_orders.opened_at then as_of.as_of_end_at else work_orders.opened_at end
        ) as left_at
    from work_orders
    cross join as_of
),

previous_service as (
    select
        work_orders.work_order_id,
        max(services.odometer_km) as previous_service_odometer_km
    from work_orders
    inner join work_orders as services
        on
            work_orders.vehicle_id = services.vehicle_id
            and services.kind = 'preventive'
            and work_orders.opened_at > services.opened_at
    group by 1
),

prior_codes as (
    select
        work_orders.work_order_id,
        count(*) as prior_dtc_events,
    {%- for severity in var('dtc_severities') %}
        sum(case when diagnostic_codes.severity = '{{ severity }}' then 1 else 0 end)
            as prior_dtc_{{ severity }}_events
        {{- "," if not loop.last }}
    {%- endfor %}
    from work_orders
    inner join diagnostic_codes
        on
            work_orders.vehicle_id = diagnostic_codes.vehicle_id
            and work_orders.opened_at > diagnostic_codes.recorded_at
            and diagnostic_codes.recorded_at
            >= {{ dbt.dateadd('day', -var('dtc_lookback_days'), 'work_orders.opened_at') }}
    group by 1
),

final as (
    select
        work_orders.work_order_id,
        work_orders.vehicle_id,
        work_orders.kind,
        work_orders.component,
        work_orders.opened_at,
        work_orders.opened_date,
        work_orders.closed_at,
        {{ local_date('work_orders.closed_at') }} as closed_date,
        work_orders.closed_at is null as is_open,
        timed_orders.left_at,
        round({{ dbt.datediff(
            'work_orders.opened_at', 'timed_orders.left_at', 'second'
        ) }} / 86400.0, 4) as downtime_days,
        work_orders.odometer_km,
        work_orders.odometer_km - previous_service.previous_service_odometer_km as km_since_previous_service,
        work_orders.parts_cost_mxn as parts_mxn,
        work_orders.labor_cost_mxn as labor_mxn,
        work_orders.parts_cost_mxn + work_orders.labor_cost_mxn as total_mxn,
        cast(coalesce(prior_codes.prior_dtc_events, 0) as {{ dbt.type_int() }}) as prior_dtc_events_30d,
    {%- for severity in var('dtc_severities') %}
        cast(coalesce(prior_codes.prior_dtc_{{ severity }}_events, 0) as {{ dbt.type_int() }})
            as prior_dtc_{{ severity }}_events_30d
        {{- "," if not loop.last }}
    {%- endfor %}
    from work_orders
    inner join timed_orders
        on work_orders.work_order_id = timed_orders.work_order_id
    left join previous_service
        on work_orders.work_order_id = previous_service.work_order_id
    left join prior_codes
        on work_orders.work_order_id = prior_codes.work_order_id
)

select * from final
