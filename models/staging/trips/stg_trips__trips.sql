with source as (
    {#- a trip re-sent in a later export (a corrected fare) keeps its newest load -#}
    {{ latest_loaded(source('trips', 'trips'), 'trip_id') }}
),

final as (
    select
        trim(trip_id) as trip_id,
        trim(driver_id) as driver_id,
        trim(vehicle_id) as vehicle_id,
        {{ clean_category('platform') }} as platform,
        {{ parse_utc_timestamp('started_at') }} as started_at,
        {{ parse_utc_timestamp('ended_at') }} as ended_at,
        -- a trip belongs to the local day and hour it started
        {{ local_date(parse_utc_timestamp('started_at')) }} as started_date,
        {{ local_hour(parse_utc_timestamp('started_at')) }} as started_hour,
        cast(distance_km as {{ type_double() }}) as distance_km,
        cast(fare_mxn as {{ type_money() }}) as fare_mxn,
        trim(pickup_zone_id) as pickup_zone_id,
        trim(dropoff_zone_id) as dropoff_zone_id,
        _loaded_at as loaded_at
    from source
)

select * from final
