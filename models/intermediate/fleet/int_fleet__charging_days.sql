{#- Hours on charge per vehicle and local date: each charging session (int_fleet__charging_sessions, plug-in to stop)
    split at local midnight, so an overnight home charge counts on both days. -#}
with sessions as (
    select
        vehicle_id,
        started_at,
        ended_at,
        started_date,
        {{ local_date('ended_at') }} as ended_date
    from {{ ref('int_fleet__charging_sessions') }}
),

calendar as (
    {{ days_between('(select min(started_date) from sessions)', '(select max(ended_date) from sessions)') }}
),

session_days as (
    select
        sessions.vehicle_id,
        calendar.date_day,
        {{ dbt.datediff(
            'greatest(sessions.started_at, ' ~ local_midnight_utc('calendar.date_day') ~ ')',
            'least(sessions.ended_at, ' ~ local_midnight_utc(dbt.dateadd('day', 1, 'calendar.date_day')) ~ ')',
            'second'
        ) }} / 3600.0 as charging_hours
    from sessions
    inner join calendar
        on calendar.date_day between sessions.started_date and sessions.ended_date
),

final as (
    select
        vehicle_id,
        date_day as charging_date,
        sum(charging_hours) as charging_hours
    from session_days
    group by 1, 2
)

select * from final
