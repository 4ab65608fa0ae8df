{#- Hours on charge per vehicle and local date: the time covered by the vehicle's charging sessions
    (int_fleet__charging_sessions, plug-in to stop) split at local midnight, so an overnight charge counts on both
    days; sessions that overlap (two exports of one plug-in, say) count their common time once. Sessions of no known
    vehicle are left out. -#}
with sessions as (
    select
        vehicle_id,
        started_at,
        ended_at,
        started_date,
        {{ local_date('ended_at') }} as ended_date
    from {{ ref('int_fleet__charging_sessions') }}
    where vehicle_id is not null and ended_at > started_at
),

calendar as (
    {{ days_between('(select min(started_date) from sessions)', '(select max(ended_date) from sessions)') }}
),

session_days as (
    select
        sessions.vehicle_id,
        calendar.date_day,
        greatest(sessions.started_at, {{ local_midnight_utc('calendar.date_day') }}) as from_at,
        least(sessions.ended_at, {{ local_midnight_utc(dbt.dateadd('day', 1, 'calendar.date_day')) }}) as to_at
    from sessions
    inner join calendar
        on calendar.date_day between sessions.started_date and sessions.ended_date
),

covered as (
    -- the part of each piece no earlier piece of the vehicle-day already covers
    select
        vehicle_id,
        date_day,
        from_at,
        to_at,
        max(to_at) over (
            partition by vehicle_id, date_day
            order by from_at, to_at
            rows between unbounded preceding and 1 preceding
        ) as covered_until
    from session_days
),

final as (
    select
        vehicle_id,
        date_day as charging_date,
        sum(
            case
                when covered_until is null or covered_until <= from_at
                    then {{ dbt.datediff('from_at', 'to_at', 'second') }}
                when covered_until < to_at
                    then {{ dbt.datediff('covered_until', 'to_at', 'second') }}
                else 0
            end
        ) / 3600.0 as charging_hours
    from covered
    group by 1, 2
)

select * from final
