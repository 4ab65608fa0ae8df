{#- The fleet's operating span: every local date from the first trip to the last, cut at the as-of date
    (int_reporting__as_of_date, the one "today" of every report). The vehicle-day, driver-week and zone-hour grids run over
    it, so a day nobody drove is a row of zeros, not a missing row. -#}
with trips as (
    select started_date
    from {{ ref('stg_trips__trips') }}
),

span as (
    select
        min(started_date) as first_date,
        max(started_date) as last_trip_date,
        {{ as_of_date() }} as as_of_date
    from trips
),

bounds as (
    select
        first_date,
        case when as_of_date < last_trip_date then as_of_date else last_trip_date end as last_date
    from span
),

days as (
    {{ days_between('(select first_date from bounds)', '(select last_date from bounds)') }}
),

final as (
    select
        days.date_day,
        {{ week_start('days.date_day') }} as week_start_date
    from days
)

select * from final
