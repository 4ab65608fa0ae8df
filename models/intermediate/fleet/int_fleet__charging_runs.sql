{{ config(**event_incremental_config('started_date')) }}
{%- set rebuild_from = telematics_rebuild_from('started_date') if is_incremental() else none %}
{#- Runs of charging readings, the pieces int_fleet__charging_sessions builds sessions from (docs/fleet_battery.md):
    a maximal run of one vehicle's charging readings with no gap over var charging_session_gap_minutes (15) and no
    driving in between (the odometer moved plausibly since the previous charging reading). Each run carries the
    readings around it: the reading just before its first charging reading and the one just after its last count
    as the SoC at plug-in and at unplug when within the gap with the odometer unchanged (parked at the charger).
    Incremental runs rebuild runs that start from telematics_rebuild_from() on, reading one more day of readings so
    that a run across that midnight keeps its true start. -#}
with readings as (
    select
        vehicle_id,
        recorded_at,
        is_charging,
        soc_pct,
        charging_energy_kwh,
        odometer_km,
        next_recorded_at,
        next_soc_pct,
        next_odometer_km,
        is_next_charging,
        loaded_at
    from {{ ref('int_fleet__telematics_intervals') }}
    where
        not is_suspect
        and (is_charging or is_next_charging)
    {% if is_incremental() %}
            and recorded_date >= {{ dbt.dateadd('day', -1, rebuild_from) }}
        {% endif %}
),

-- the reading just before each one (the non-charging readings here are those right before a charging one, so the
-- previous charging reading is one or two rows back)
with_previous as (
    select
        *,
        lag(is_charging) over vehicle_timeline as previous_is_charging,
        lag(recorded_at) over vehicle_timeline as previous_recorded_at,
        lag(soc_pct) over vehicle_timeline as previous_soc_pct,
        lag(odometer_km) over vehicle_timeline as previous_odometer_km,
        lag(is_charging, 2) over vehicle_timeline as previous_is_charging_2,
        lag(recorded_at, 2) over vehicle_timeline as previous_recorded_at_2,
        lag(odometer_km, 2) over vehicle_timeline as previous_odometer_km_2
    from readings
    window vehicle_timeline as (partition by vehicle_id order by recorded_at)
),

charging_readings as (
    select
        *,
        case
            when previous_is_charging then previous_recorded_at
            when previous_is_charging_2 then previous_recorded_at_2
        end as previous_charging_at,
        case
            when previous_is_charging then previous_odometer_km
            when previous_is_charging_2 then previous_odometer_km_2
        end as previous_charging_odometer_km
    from with_previous
    where is_charging
),

edges as (
    select
        *,
        coalesce(
            {{ minutes_between('previous_charging_at', 'recorded_at') }} > {{ var('charging_session_gap_minutes') }}
            -- driving in between; a glitch reading (an implausible step) is not driving
            or (
                odometer_km > previous_charging_odometer_km
                and {{ odometer_delta_is_plausible(
                    'previous_charging_odometer_km', 'odometer_km', 'previous_charging_at', 'recorded_at') }}
            ),
            true
        ) as is_run_start
    from charging_readings
),

-- a run is keyed by its first reading's time: the latest run start at or before each reading (a running
-- last-value, ~4x cheaper on DuckDB than a running count of starts)
numbered as (
    select
        *,
        last_value(case when is_run_start then recorded_at end ignore nulls) over charging_timeline as run_started_at,
        coalesce(lead(is_run_start) over charging_timeline, true) as is_run_end
    from edges
    window charging_timeline as (partition by vehicle_id order by recorded_at)
),

runs as (
    select
        vehicle_id,
        run_started_at as started_at,
        max(recorded_at) as ended_at,
        count(*) as reading_count,
        max(case when is_run_start then soc_pct end) as first_soc_pct,
        max(case when is_run_end then soc_pct end) as last_soc_pct,
        max(case when is_run_start then charging_energy_kwh end) as first_energy_kwh,
        max(charging_energy_kwh) as last_energy_kwh,
        max(case when is_run_start then odometer_km end) as start_odometer_km,
        max(case when is_run_end then odometer_km end) as end_odometer_km,
        max(loaded_at) as loaded_at,
        max(
            case
                when
                    is_run_start
                    and not previous_is_charging
                    and {{ minutes_between('previous_recorded_at', 'recorded_at') }}
                    <= {{ var('charging_session_gap_minutes') }}
                    and previous_odometer_km = odometer_km
                    then previous_soc_pct
            end
        ) as soc_before_pct,
        max(
            case
                when
                    is_run_end
                    and not is_next_charging
                    and {{ minutes_between('recorded_at', 'next_recorded_at') }}
                    <= {{ var('charging_session_gap_minutes') }}
                    and next_odometer_km = odometer_km
                    then next_soc_pct
            end
        ) as soc_after_pct
    from numbered
    group by 1, 2
),

final as (
    select
        {{ dbt.hash(dbt.concat(['vehicle_id', "'|'", dbt.cast('started_at', dbt.type_string())])) }} as run_id,
        vehicle_id,
        started_at,
        ended_at,
        {{ local_date('started_at') }} as started_date,
        reading_count,
        first_soc_pct,
        last_soc_pct,
        soc_before_pct,
        soc_after_pct,
        first_energy_kwh,
        last_energy_kwh,
        start_odometer_km,
        end_odometer_km,
        loaded_at
    from runs
)

select * from final
{% if is_incremental() %}
    where started_date >= {{ rebuild_from }}
{% endif %}
