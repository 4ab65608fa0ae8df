-- Trips and fares per local date of the operating span equal the raw exports (each trip_id's newest load, deduped
-- here on its own) in every trips mart, to the centavo: nothing lost to the vehicle grid, nothing counted twice.
with raw_rows as (
    select
        {{ local_date(parse_utc_timestamp('started_at')) }} as trip_date,
        cast(fare_mxn as {{ type_money() }}) as fare_mxn,
        row_number() over (
            partition by trim(trip_id)
            order by _loaded_at desc, _file desc, _row_number desc
        ) as load_rank
    from {{ source('trips', 'trips') }}
),

span as (
    select date_day
    from {{ ref('int_trips__operating_days') }}
),

raw_days as (
    select
        raw_rows.trip_date,
        count(*) as trips,
        sum(raw_rows.fare_mxn) as fares_mxn
    from raw_rows
    inner join span on raw_rows.trip_date = span.date_day
    where raw_rows.load_rank = 1
    group by 1
),

mart_days as (
    select
        'fct_vehicle_utilisation_daily' as mart,
        activity_date as trip_date,
        sum(trips) as trips,
        sum(gross_fares_mxn) as fares_mxn
    from {{ ref('fct_vehicle_utilisation_daily') }}
    group by 1, 2
    union all
    select
        'fct_zone_hour_demand' as mart,
        local_date as trip_date,
        sum(trips) as trips,
        sum(gross_fares_mxn) as fares_mxn
    from {{ ref('fct_zone_hour_demand') }}
    group by 1, 2
),

marts as (
    select 'fct_vehicle_utilisation_daily' as mart
    union all
    select 'fct_zone_hour_demand' as mart
),

expected as (
    select
        marts.mart,
        raw_days.trip_date,
        raw_days.trips,
        raw_days.fares_mxn
    from raw_days
    cross join marts
),

final as (
    select
        expected.trips as raw_trips,
        mart_days.trips as mart_trips,
        expected.fares_mxn as raw_fares_mxn,
        mart_days.fares_mxn as mart_fares_mxn,
        coalesce(expected.mart, mart_days.mart) as mart,
        coalesce(expected.trip_date, mart_days.trip_date) as trip_date
    from expected
    full outer join mart_days
        on expected.mart = mart_days.mart and expected.trip_date = mart_days.trip_date
)

select *
from final
where
    coalesce(raw_trips, 0) != coalesce(mart_trips, 0)
    or abs(coalesce(raw_fares_mxn, 0) - coalesce(mart_fares_mxn, 0)) >= 0.005
