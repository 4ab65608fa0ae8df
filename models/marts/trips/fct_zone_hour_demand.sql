{#- One row per pickup zone, local date and local hour of the operating span: trips started, gross fares and
    distinct vehicles. The grid is complete (every zone of seeds/zones.csv and any other zone a trip names, every
    hour of every day), so a forecaster sees the hours with no trip as zeros. -#}
with zone_hours as (
    select
        pickup_zone_id,
        trip_date,
        trip_hour,
        trips,
        gross_fares_mxn,
        distinct_vehicles
    from {{ ref('int_trips__zone_hours') }}
),

seeded_zones as (
    select zone_id
    from {{ ref('zones') }}
),

operating_days as (
    select date_day
    from {{ ref('int_trips__operating_days') }}
),

hours as (
    {{ dbt.generate_series(24) }}
),

zones as (
    select zone_id
    from seeded_zones
    union distinct
    select pickup_zone_id as zone_id
    from zone_hours
),

grid as (
    select
        zones.zone_id,
        operating_days.date_day,
        cast(hours.generated_number - 1 as {{ dbt.type_int() }}) as local_hour
    from zones
    cross join operating_days
    cross join hours
),

final as (
    select
        grid.zone_id as pickup_zone_id,
        grid.date_day as local_date,
        grid.local_hour,
        cast(coalesce(zone_hours.trips, 0) as {{ dbt.type_int() }}) as trips,
        cast(coalesce(zone_hours.gross_fares_mxn, 0) as {{ type_money() }}) as gross_fares_mxn,
        cast(coalesce(zone_hours.distinct_vehicles, 0) as {{ dbt.type_int() }}) as distinct_vehicles
    from grid
    left join zone_hours
        on
            grid.zone_id = zone_hours.pickup_zone_id
            and grid.date_day = zone_hours.trip_date
            and grid.local_hour = zone_hours.trip_hour
)

select * from final
