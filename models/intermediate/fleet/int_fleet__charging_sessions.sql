{{ config(**event_incremental_config('started_date')) }}
{#- Charging sessions detected from telematics (DESIGN.md section 4): a maximal run of one vehicle's
    charging pings with no gap over var charging_session_gap_minutes (15) between consecutive ones.
    Incremental runs rebuild sessions that start from telematics_rebuild_from() on, reading one more day
    of pings so that a session running across that midnight keeps its true start. -#}
with charging_pings as (
    select
        vehicle_id,
        recorded_at,
        message_id,
        soc_pct,
        charging_energy_kwh
    from {{ ref('int_fleet__telematics_intervals') }}
    where
        is_charging
        and not is_suspect
    {% if is_incremental() %}
            and recorded_date >= {{ dbt.dateadd('day', -1, telematics_rebuild_from('started_date')) }}
        {% endif %}
),

with_neighbours as (
    select
        *,
        lag(recorded_at) over vehicle_timeline as previous_recorded_at,
        lead(recorded_at) over vehicle_timeline as next_recorded_at
    from charging_pings
    window vehicle_timeline as (partition by vehicle_id order by recorded_at, message_id)
),

-- a session's first ping has no charging ping within the gap before it, its last none within the gap after it
edges as (
    select
        *,
        coalesce(
            {{ minutes_between('previous_recorded_at', 'recorded_at') }} > {{ var('charging_session_gap_minutes') }},
            true
        ) as is_session_start,
        coalesce(
            {{ minutes_between('recorded_at', 'next_recorded_at') }} > {{ var('charging_session_gap_minutes') }},
            true
        ) as is_session_end
    from with_neighbours
),

islands as (
    select
        *,
        sum(case when is_session_start then 1 else 0 end) over (
            partition by vehicle_id
            order by recorded_at, message_id
            rows between unbounded preceding and current row
        ) as session_number
    from edges
),

sessions as (
    select
        vehicle_id,
        session_number,
        min(recorded_at) as started_at,
        max(recorded_at) as ended_at,
        count(*) as ping_count,
        max(case when is_session_start then soc_pct end) as soc_start_pct,
        max(case when is_session_end then soc_pct end) as soc_end_pct,
        max(charging_energy_kwh) as telematics_energy_kwh
    from islands
    group by 1, 2
),

final as (
    select
        {{ dbt.hash(dbt.concat(['vehicle_id', "'|'", dbt.cast('started_at', dbt.type_string())])) }} as session_id,
        vehicle_id,
        started_at,
        ended_at,
        {{ local_date('started_at') }} as started_date,
        ping_count,
        soc_start_pct,
        soc_end_pct,
        telematics_energy_kwh
    from sessions
)

select * from final
{% if is_incremental() %}
    where started_date >= {{ telematics_rebuild_from('started_date') }}
{% endif %}
