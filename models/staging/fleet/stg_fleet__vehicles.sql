with source as (
    {{ latest_loaded(source('fleet', 'vehicles'), 'vehicle_id') }}
),

final as (
    select
        trim(vehicle_id) as vehicle_id,
        upper(trim(vin)) as vin,
        trim(make) as make,
        trim(model) as model,
        cast(model_year as {{ dbt.type_int() }}) as model_year,
        cast(battery_capacity_kwh as {{ type_double() }}) as nominal_capacity_kwh,
        {{ parse_utc_timestamp('acquired_at') }} as acquired_at,
        {{ local_date(parse_utc_timestamp('acquired_at')) }} as acquired_date,
        {{ parse_utc_timestamp(clean_text('disposed_at')) }} as disposed_at,
        {{ local_date(parse_utc_timestamp(clean_text('disposed_at'))) }} as disposed_date,
        cast(acquisition_cost_mxn as {{ type_money() }}) as acquisition_cost_mxn
    from source
)

select * from final
