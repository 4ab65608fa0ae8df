{{ config(**event_incremental_config('activity_date')) }}
{%- set rebuild_from = telematics_rebuild_from('activity_date') if is_incremental() else none %}
with intervals as (
    select
        vehicle_id,
        recorded_date,
        soc_pct,
        km_driven,
        is_odometer_jump,
        oem_soh_pct,
        observed_minutes,
        loaded_at
    from {{ ref('int_fleet__telematics_intervals') }}
    where
        not is_suspect
    {% if is_incremental() %}
            and recorded_date >= {{ rebuild_from }}
        {% endif %}
),

sessions as (
    select
        vehicle_id,
        started_date
    from {{ ref('int_fleet__charging_sessions') }}
    {% if is_incremental() %}
        where started_date >= {{ rebuild_from }}
    {% endif %}
),

daily_signals as (
    select
        vehicle_id,
        recorded_date,
        count(*) as pings,
        -- km driven (docs/fleet_battery.md): plausible odometer steps, booked in int_fleet__telematics_intervals
        sum(km_driven) as km_driven,
        sum(case when is_odometer_jump then 1 else 0 end) as odometer_jumps,
        min(soc_pct) as soc_min_pct,
        max(soc_pct) as soc_max_pct,
        avg(soc_pct) as soc_avg_pct,
        sum(case when soc_pct < 20 then observed_minutes else 0 end) as minutes_below_20_pct,
        avg(oem_soh_pct) as oem_soh_pct,
        max(loaded_at) as loaded_at
    from intervals
    group by 1, 2
),

daily_sessions as (
    select
        vehicle_id,
        started_date,
        count(*) as charging_sessions
    from sessions
    group by 1, 2
),

final as (
    select
        daily_signals.vehicle_id,
        daily_signals.recorded_date as activity_date,
        daily_signals.pings,
        daily_signals.soc_min_pct,
        daily_signals.soc_max_pct,
        daily_signals.oem_soh_pct,
        daily_signals.odometer_jumps,
        daily_signals.loaded_at,
        round(daily_signals.km_driven, 3) as km_driven,
        round(daily_signals.soc_avg_pct, 3) as soc_avg_pct,
        round(daily_signals.minutes_below_20_pct, 2) as minutes_below_20_pct,
        coalesce(daily_sessions.charging_sessions, 0) as charging_sessions
    from daily_signals
    left join daily_sessions
        on
            daily_signals.vehicle_id = daily_sessions.vehicle_id
            and daily_signals.recorded_date = daily_sessions.started_date
)

select * from final
{% if is_incremental() %}
    -- the days this run replaces (the inputs are already cut there; this names the partition column for BigQuery)
    where activity_date >= {{ rebuild_from }}
{% endif %}
