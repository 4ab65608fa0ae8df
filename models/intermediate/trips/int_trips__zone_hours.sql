{#- Trips per pickup zone, local date and local hour of the start (only zone-hours with a trip). -#}
with trips as (
    select
        pickup_zone_id,
        started_date,
        started_hour,
        vehicle_id,
        fare_mxn
    from {{ ref('int_trips__trips') }}
),

final as (
    select
        pickup_zone_id,
        started_date as trip_date,
        started_hour as trip_hour,
        count(*) as trips,
        sum(fare_mxn) as gross_fares_mxn,
        count(distinct vehicle_id) as distinct_vehicles
    from trips
    group by 1, 2, 3
)

select * from final
