{#- Demand by zone and hour (docs/ml/demand.md): one row per pickup zone, local date and local hour, from the eighth
    day of the trips' span to the day after the as-of date (scored today, no label yet). Features are the same
    zone-hour and zone-day one to four weeks before (known: a day's trips are final var ml_known_after trips days
    later, inside a week); the label is the trips that started in the zone-hour. The grid is complete (every zone
    and hour of fct_zone_hour_demand on every day, no trip = 0 inside the span), so a lag of 7 rows is 7 days. -#}
with zone_hours as (
    select
        pickup_zone_id,
        local_date,
        local_hour,
        trips
    from {{ ref('fct_zone_hour_demand') }}
),

reporting_date as (
    select {{ as_of_date() }} as as_of_date
),

-- every zone and hour of the mart's grid over its days and the day after the as-of date (the snapshot scored today;
-- no trips yet)
span as (
    select
        min(local_date) as first_date,
        max(local_date) as last_date
    from zone_hours
),

grid_days as (
    {{ days_between('(select span.first_date from span)', add_days(as_of_date(), 1)) }}
),

zones as (
    select distinct pickup_zone_id
    from zone_hours
),

hours as (
    select distinct local_hour
    from zone_hours
),

grid as (
    select
        zones.pickup_zone_id,
        grid_days.date_day as local_date,
        hours.local_hour,
        zone_hours.trips
    from zones
    cross join hours
    cross join grid_days
    left join zone_hours
        on
            zones.pickup_zone_id = zone_hours.pickup_zone_id
            and grid_days.date_day = zone_hours.local_date
            and hours.local_hour = zone_hours.local_hour
),

zone_days as (
    select
        pickup_zone_id,
        local_date,
        sum(trips) as trips
    from grid
    group by 1, 2
),

fleet_hours as (
    select
        local_date,
        local_hour,
        sum(trips) as trips
    from grid
    group by 1, 2
),

lagged as (
    select
        grid.pickup_zone_id,
        grid.local_date,
        grid.local_hour,
        grid.trips,
        span.first_date,
        span.last_date,
        lag(grid.trips, 7) over same_hour as trips_1w,
        lag(grid.trips, 14) over same_hour as trips_2w,
        lag(grid.trips, 21) over same_hour as trips_3w,
        lag(grid.trips, 28) over same_hour as trips_4w
    from grid
    cross join span
    window same_hour as (
        partition by grid.pickup_zone_id, grid.local_hour order by grid.local_date
    )
),

final as (
    select
        lagged.pickup_zone_id || '|' || cast(lagged.local_date as {{ dbt.type_string() }}) || '|'
        || cast(lagged.local_hour as {{ dbt.type_string() }}) as snapshot_id,
        lagged.pickup_zone_id as zone_id,
        lagged.local_date as snapshot_date,
        lagged.local_hour as snapshot_hour,
        lagged.pickup_zone_id as f_zone_id,
        lagged.local_hour as f_hour,
        cast({{ days_from_to(week_start("lagged.local_date"), "lagged.local_date") }} + 1 as {{ dbt.type_int() }})
            as f_day_of_week,
        lagged.trips_1w as f_trips_same_hour_last_week,
        round((lagged.trips_1w + lagged.trips_2w + lagged.trips_3w + lagged.trips_4w) / 4.0, 3)
            as f_trips_same_hour_avg_4w,
        zone_day_1w.trips as f_zone_trips_day_last_week,
        fleet_hour_1w.trips as f_fleet_trips_same_hour_last_week,
        case
            when
                {{ ml_known_date('trips', 'lagged.local_date') }} <= reporting_date.as_of_date
                and lagged.local_date <= lagged.last_date
                then cast(lagged.trips as {{ type_double() }})
        end as label,
        {{ ml_known_date('trips', 'lagged.local_date') }} as label_known_date,
        {{ ml_known_date('trips', 'lagged.local_date') }} <= reporting_date.as_of_date
        and lagged.local_date <= lagged.last_date as label_is_mature,
        reporting_date.as_of_date
    from lagged
    cross join reporting_date
    left join zone_days as zone_day_1w
        on
            lagged.pickup_zone_id = zone_day_1w.pickup_zone_id
            and zone_day_1w.local_date = {{ add_days('lagged.local_date', -7) }}
    left join fleet_hours as fleet_hour_1w
        on
            lagged.local_hour = fleet_hour_1w.local_hour
            and fleet_hour_1w.local_date = {{ add_days('lagged.local_date', -7) }}
    where lagged.local_date >= {{ add_days('lagged.first_date', 7) }}
)

select * from final
