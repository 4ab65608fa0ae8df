-- Trips and fares per ISO week of fct_driver_weekly equal those of the vehicle days (every trip once, whether or not
-- its driver held a contract); per-platform fares add up to the total.
with driver_weeks as (
    select
        week_start_date,
        sum(trips) as trips,
        sum(gross_fares_mxn) as fares_mxn,
        sum(
            {%- for platform in var('trip_platforms') %}
                fares_{{ platform }}_mxn {{- " +" if not loop.last }}
            {%- endfor %}
        ) as platform_fares_mxn
    from {{ ref('fct_driver_weekly') }}
    group by 1
),

vehicle_weeks as (
    select
        {{ week_start('activity_date') }} as week_start_date,
        sum(trips) as trips,
        sum(gross_fares_mxn) as fares_mxn
    from {{ ref('fct_vehicle_utilisation_daily') }}
    group by 1
),

final as (
    select
        driver_weeks.trips as driver_trips,
        vehicle_weeks.trips as vehicle_trips,
        driver_weeks.fares_mxn as driver_fares_mxn,
        driver_weeks.platform_fares_mxn,
        vehicle_weeks.fares_mxn as vehicle_fares_mxn,
        coalesce(driver_weeks.week_start_date, vehicle_weeks.week_start_date) as week_start_date
    from driver_weeks
    full outer join vehicle_weeks on driver_weeks.week_start_date = vehicle_weeks.week_start_date
)

select *
from final
where
    coalesce(driver_trips, 0) != coalesce(vehicle_trips, 0)
    or abs(coalesce(driver_fares_mxn, 0) - coalesce(vehicle_fares_mxn, 0)) >= 0.005
    or abs(coalesce(driver_fares_mxn, 0) - coalesce(platform_fares_mxn, 0)) >= 0.005
