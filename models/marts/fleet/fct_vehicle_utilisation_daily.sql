{#- One row per vehicle and local date of the operating span while it is in the fleet (acquired on or before the
    date, not disposed before it), and per day a trip names a vehicle outside it (is_in_fleet false): trips and
    hours on trip, km on trip against km driven (the dead-head share), hours on charge, the workshop and the idle
    flag. Idle = no trip started that day and not in the workshop (docs/trips_maintenance.md): a vehicle waiting for
    a driver is idle too. -#}
with vehicles as (
    select
        vehicle_id,
        acquired_date,
        disposed_date
    from {{ ref('dim_vehicles') }}
),

operating_days as (
    select date_day
    from {{ ref('int_trips__operating_days') }}
),

trip_days as (
    select
        vehicle_id,
        trip_date,
        trips,
        hours_on_trip,
        km_on_trip,
        gross_fares_mxn
    from {{ ref('int_trips__vehicle_days') }}
),

telematics_days as (
    -- the fleet's telematics day (same domain): km driven from plausible odometer steps
    select
        vehicle_id,
        activity_date,
        km_driven
    from {{ ref('fct_vehicle_daily') }}
),

charging_days as (
    select
        vehicle_id,
        charging_date,
        charging_hours
    from {{ ref('int_fleet__charging_days') }}
),

workshop_days as (
    select
        vehicle_id,
        workshop_date,
        workshop_hours
    from {{ ref('int_maintenance__workshop_days') }}
),

fleet_days as (
    select
        vehicles.vehicle_id,
        operating_days.date_day
    from vehicles
    inner join operating_days
        on
            vehicles.acquired_date <= operating_days.date_day
            and (vehicles.disposed_date is null or vehicles.disposed_date >= operating_days.date_day)
),

vehicle_days as (
    -- the fleet's days, and any day a trip names a vehicle outside them (unknown to the vehicles export, or outside
    -- its acquisition and disposal): no trip is lost, and such days say so (is_in_fleet false)
    select
        vehicle_id,
        date_day,
        true as is_in_fleet
    from fleet_days
    union all
    select
        trip_days.vehicle_id,
        trip_days.trip_date as date_day,
        false as is_in_fleet
    from trip_days
    inner join operating_days
        on trip_days.trip_date = operating_days.date_day
    where not exists (
        select 1 as in_fleet
        from fleet_days
        where fleet_days.vehicle_id = trip_days.vehicle_id and fleet_days.date_day = trip_days.trip_date
    )
),

joined as (
    select
        vehicle_days.vehicle_id,
        vehicle_days.date_day,
        vehicle_days.is_in_fleet,
        coalesce(trip_days.trips, 0) as trips,
        coalesce(trip_days.hours_on_trip, 0) as hours_on_trip,
        coalesce(trip_days.km_on_trip, 0) as km_on_trip,
        coalesce(trip_days.gross_fares_mxn, 0) as gross_fares_mxn,
        coalesce(telematics_days.km_driven, 0) as km_driven,
        coalesce(charging_days.charging_hours, 0) as charging_hours,
        coalesce(workshop_days.workshop_hours, 0) as workshop_hours,
        workshop_days.vehicle_id is not null as is_in_workshop
    from vehicle_days
    left join trip_days
        on vehicle_days.vehicle_id = trip_days.vehicle_id and vehicle_days.date_day = trip_days.trip_date
    left join telematics_days
        on
            vehicle_days.vehicle_id = telematics_days.vehicle_id
            and vehicle_days.date_day = telematics_days.activity_date
    left join charging_days
        on vehicle_days.vehicle_id = charging_days.vehicle_id and vehicle_days.date_day = charging_days.charging_date
    left join workshop_days
        on vehicle_days.vehicle_id = workshop_days.vehicle_id and vehicle_days.date_day = workshop_days.workshop_date
),

final as (
    select
        vehicle_id,
        date_day as activity_date,
        is_in_fleet,
        cast(trips as {{ dbt.type_int() }}) as trips,
        round(hours_on_trip, 3) as hours_on_trip,
        round(km_on_trip, 3) as km_on_trip,
        gross_fares_mxn,
        round(km_driven, 3) as km_driven,
        -- km driven off trip (to pickups, to charge, home) over km driven; null without km driven
        round(case when km_driven > 0 then greatest(km_driven - km_on_trip, 0) / km_driven end, 4) as dead_head_share,
        round(charging_hours, 3) as charging_hours,
        round(workshop_hours, 3) as workshop_hours,
        is_in_workshop,
        trips = 0 and not is_in_workshop as is_idle
    from joined
)

select * from final
