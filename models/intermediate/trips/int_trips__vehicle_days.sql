{#- Trips per vehicle and local date (the date a trip started). -#}
with trips as (
    select
        vehicle_id,
        started_date,
        hours_on_trip,
        distance_km,
        fare_mxn
    from {{ ref('int_trips__trips') }}
),

final as (
    select
        vehicle_id,
        started_date as trip_date,
        count(*) as trips,
        sum(hours_on_trip) as hours_on_trip,
        sum(distance_km) as km_on_trip,
        sum(fare_mxn) as gross_fares_mxn
    from trips
    group by 1, 2
)

select * from final
