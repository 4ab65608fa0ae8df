{#- Charging sessions detected from telematics (DESIGN.md section 4): a maximal run of one vehicle's
    charging pings with no gap over var charging_session_gap_minutes (15) between consecutive ones. -#}
with charging_pings as (
    select
        vehicle_id,
        recorded_at,
        message_id,
        soc_pct,
        charging_energy_kwh
    from {{ ref('int_fleet__telematics_intervals') }}
    where is_charging
),

with_previous as (
    select
        *,
        lag(recorded_at) over vehicle_timeline as previous_recorded_at
    from charging_pings
    window vehicle_timeline as (partition by vehicle_id order by recorded_at, message_id)
),

islands as (
    select
        *,
        sum(
            case
                when
                    previous_recorded_at is null
                    or {{ minutes_between('previous_recorded_at', 'recorded_at') }}
                    > {{ var('charging_session_gap_minutes') }}
                    then 1
                else 0
            end
        ) over (
            partition by vehicle_id
            order by recorded_at, message_id
            rows between unbounded preceding and current row
        ) as session_number
    from with_previous
),

sessions as (
    select
        vehicle_id,
        session_number,
        min(recorded_at) as started_at,
        max(recorded_at) as ended_at,
        count(*) as ping_count,
        max(charging_energy_kwh) as telematics_energy_kwh
    from islands
    group by 1, 2
),

endpoints as (
    select
        vehicle_id,
        session_number,
        max(case when is_first then soc_pct end) as soc_start_pct,
        max(case when is_last then soc_pct end) as soc_end_pct
    from (
        select
            vehicle_id,
            session_number,
            soc_pct,
            row_number() over (partition by vehicle_id, session_number order by recorded_at, message_id) = 1
                as is_first,
            row_number() over (
                partition by vehicle_id, session_number order by recorded_at desc, message_id desc
            ) = 1 as is_last
        from islands
    ) as ranked
    group by 1, 2
),

final as (
    select
        {{ dbt.hash(dbt.concat(['sessions.vehicle_id', "'|'", dbt.cast('sessions.started_at', dbt.type_string())])) }}
            as session_id,
        sessions.vehicle_id,
        sessions.started_at,
        sessions.ended_at,
        {{ local_date('sessions.started_at') }} as started_date,
        sessions.ping_count,
        endpoints.soc_start_pct,
        endpoints.soc_end_pct,
        sessions.telematics_energy_kwh
    from sessions
    inner join endpoints
        on sessions.vehicle_id = endpoints.vehicle_id and sessions.session_number = endpoints.session_number
)

select * from final
