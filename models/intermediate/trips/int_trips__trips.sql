{#- One row per trip inside the operating span, with what every trips mart reads: hours on trip and the platform
    bucket of its fare columns. Trips after the span's last day (an export running ahead of the as-of date) wait
    for the next run. -#}
with trips as (
    select
        trip_id,
        driver_id,
        vehicle_id,
        platform,
        started_at,
        ended_at,
        started_date,
        started_hour,
        distance_km,
        fare_mxn,
        pickup_zone_id
    from {{ ref('stg_trips__trips') }}
),

operating_days as (
    select date_day
    from {{ ref('int_trips__operating_days') }}
),

final as (
    select
        trips.trip_id,
        trips.driver_id,
        trips.vehicle_id,
        trips.platform,
        trips.started_at,
        trips.ended_at,
        trips.started_date,
        trips.started_hour,
        trips.distance_km,
        trips.fare_mxn,
        trips.pickup_zone_id,
        {{ dbt.datediff(
            'trips.started_at', 'trips.ended_at', 'second'
        ) }} / 3600.0 as hours_on_trip
    from trips
    inner join operating_days
        on trips.started_date = operating_days.date_day
)

select * from final
