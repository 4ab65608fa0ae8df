with source as (
    {{ latest_loaded(source('maintenance', 'maintenance_work_orders'), 'work_order_id') }}
),

final as (
    select
        trim(work_order_id) as work_order_id,
        trim(vehicle_id) as vehicle_id,
        {{ parse_utc_timestamp('opened_at') }} as opened_at,
        {{ local_date(parse_utc_timestamp('opened_at')) }} as opened_date,
        {{ parse_utc_timestamp(clean_text('closed_at')) }} as closed_at,
        {{ clean_category('kind') }} as kind,
        {{ clean_category('component') }} as component,
        cast(odometer_km as {{ type_double() }}) as odometer_km,
        cast(parts_cost_mxn as {{ type_money() }}) as parts_cost_mxn,
        cast(labor_cost_mxn as {{ type_money() }}) as labor_cost_mxn
    from source
)

select * from final
