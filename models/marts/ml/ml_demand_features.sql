{#- Demand by zone and hour (docs/ml/demand.md): one row per pickup zone, local date and local hour of the trips' span
    from its eighth day on. Features are the same zone-hour and zone-day one to four weeks before (known: a day's
    trips are final var ml_known_after trips days later, inside a week); the label is the trips that started in the
    zone-hour. The grid of fct_zone_hour_demand is complete (a zone-hour with no trip is a row of zeros), so a lag of
    7 rows is 7 days. -#}
with zone_hours as (
    select
        pickup_zone_id,
        local_date,
        local_hour,
        trips
    from {{ ref('fct_zone_hour_demand') }}
),

reporting_date as (
    select {{ lending_as_of_date() }} as as_of_date
),

zone_days as (
    select
        pickup_zone_id,
        local_date,
        sum(trips) as trips
    from zone_hours
    group by 1, 2
),

fleet_hours as (
    select
        local_date,
        local_hour,
        sum(trips) as trips
    from zone_hours
    group by 1, 2
),

lagged as (
    select
        zone_hours.pickup_zone_id,
        zone_hours.local_date,
        zone_hours.local_hour,
        zone_hours.trips,
        lag(zone_hours.trips, 7) over same_hour as trips_1w,
        lag(zone_hours.trips, 14) over same_hour as trips_2w,
        lag(zone_hours.trips, 21) over same_hour as trips_3w,
        lag(zone_hours.trips, 28) over same_hour as trips_4w,
        min(zone_hours.local_date) over (partition by zone_hours.pickup_zone_id) as first_date
    from zone_hours
    window same_hour as (
        partition by zone_hours.pickup_zone_id, zone_hours.local_hour order by zone_hours.local_date
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
            when {{ ml_known_date('trips', 'lagged.local_date') }} <= reporting_date.as_of_date
                then cast(lagged.trips as {{ type_double() }})
        end as label,
        {{ ml_known_date('trips', 'lagged.local_date') }} as label_known_date,
        {{ ml_known_date('trips', 'lagged.local_date') }} <= reporting_date.as_of_date as label_is_mature,
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
