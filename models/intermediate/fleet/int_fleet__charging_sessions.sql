{#- Charging sessions (docs/fleet_battery.md): charging runs (int_fleet__charging_runs) joined into sessions, plus
    OCPP exports no run explains. Each run goes to the OCPP export of its vehicle it overlaps most, and all runs
    one export covers are one session (a telematics dropout inside a charge does not split it); every export is on
    exactly one session. Runs no export covers join the run before them when the vehicle did not move and its
    energy counter kept counting (a dropout, not a new plug-in), within var charging_dropout_max_minutes.
    The SoC gain is read over the same interval as the energy: soc_start_pct is the SoC just before plug-in when a
    parked reading shows it, else at the first charging reading (energy_before_soc_start_kwh then holds the energy
    already delivered, from the vehicle's counter); soc_end_pct is the SoC just after unplugging when a parked
    reading shows it and the session's energy comes from an export (the meter runs to the stop), else at the last
    charging reading. -#}
with runs as (
    select
        run_id,
        vehicle_id,
        started_at,
        ended_at,
        reading_count,
        first_soc_pct,
        last_soc_pct,
        soc_before_pct,
        soc_after_pct,
        first_energy_kwh,
        last_energy_kwh,
        start_odometer_km,
        end_odometer_km
    from {{ ref('int_fleet__charging_runs') }}
),

all_exports as (
    select
        ocpp_session_id,
        vehicle_id,
        started_at,
        stopped_at
    from {{ ref('int_fleet__ocpp_exports') }}
),

exports as (
    select * from all_exports
    where vehicle_id is not null
),

run_exports as (
    select
        run_id,
        ocpp_session_id
    from (
        select
            runs.run_id,
            exports.ocpp_session_id,
            row_number() over (
                partition by runs.run_id
                order by
                    {{ dbt.datediff(
                        'case when runs.started_at > exports.started_at then runs.started_at'
                        ~ ' else exports.started_at end',
                        'case when runs.ended_at < exports.stopped_at then runs.ended_at'
                        ~ ' else exports.stopped_at end',
                        'second') }} desc,
                    exports.ocpp_session_id asc
            ) as overlap_rank
        from runs
        inner join exports
            on
                runs.vehicle_id = exports.vehicle_id
                and runs.started_at <= exports.stopped_at
                and runs.ended_at >= exports.started_at
    ) as ranked
    where overlap_rank = 1
),

runs_with_exports as (
    select
        runs.*,
        run_exports.ocpp_session_id,
        lag(run_exports.ocpp_session_id) over vehicle_runs as previous_ocpp_session_id,
        lag(runs.run_id) over vehicle_runs as previous_run_id,
        lag(runs.ended_at) over vehicle_runs as previous_ended_at,
        lag(runs.end_odometer_km) over vehicle_runs as previous_end_odometer_km,
        lag(runs.last_energy_kwh) over vehicle_runs as previous_last_energy_kwh
    from runs
    left join run_exports on runs.run_id = run_exports.run_id
    window vehicle_runs as (partition by runs.vehicle_id order by runs.started_at, runs.run_id)
),

-- a run starts a new session unless its export's previous run is the one before it, or neither has an export
-- and it continues that run's charge
session_edges as (
    select
        *,
        not coalesce(
            ocpp_session_id = previous_ocpp_session_id
            or (
                ocpp_session_id is null
                and previous_ocpp_session_id is null
                and previous_run_id is not null
                and {{ minutes_between('previous_ended_at', 'started_at') }}
                <= {{ var('charging_dropout_max_minutes') }}
                and start_odometer_km = previous_end_odometer_km
                and first_energy_kwh >= previous_last_energy_kwh
            ),
            false
        ) as is_session_start
    from runs_with_exports
),

numbered_runs as (
    select
        *,
        sum(case when is_session_start then 1 else 0 end) over (
            partition by vehicle_id
            order by started_at, run_id
            rows between unbounded preceding and current row
        ) as session_number,
        coalesce(lead(is_session_start) over (partition by vehicle_id order by started_at, run_id), true)
            as is_session_end
    from session_edges
),

-- every run of one export is one session, even when runs of another export of the vehicle fall between them
-- (overlapping transactions of one vehicle: a charger feed error), so an export is on exactly one session
keyed_runs as (
    select
        *,
        case
            when ocpp_session_id is not null then {{ dbt.concat(["'ocpp|'", 'ocpp_session_id']) }}
            else {{ dbt.concat(["'run|'", dbt.cast('session_number', dbt.type_string())]) }}
        end as session_key
    from numbered_runs
),

detected as (
    select
        vehicle_id,
        session_key,
        max(ocpp_session_id) as ocpp_session_id,
        min(started_at) as first_reading_at,
        max(ended_at) as last_reading_at,
        count(*) as run_count,
        sum(reading_count) as reading_count,
        max(case when is_session_start then coalesce(soc_before_pct, first_soc_pct) end) as soc_start_pct,
        max(case when is_session_start then soc_before_pct is not null end) as is_soc_start_before_plug_in,
        max(case when is_session_start and soc_before_pct is null then first_energy_kwh end)
            as first_reading_energy_kwh,
        max(case when is_session_end then last_soc_pct end) as last_soc_pct,
        max(case when is_session_end then soc_after_pct end) as soc_after_pct,
        max(last_energy_kwh) as telematics_energy_kwh
    from keyed_runs
    group by 1, 2
),

detected_sessions as (
    select
        detected.vehicle_id,
        detected.ocpp_session_id,
        coalesce(exports.started_at, detected.first_reading_at) as started_at,
        coalesce(exports.stopped_at, detected.last_reading_at) as ended_at,
        detected.first_reading_at,
        detected.last_reading_at,
        detected.run_count,
        detected.reading_count,
        detected.soc_start_pct,
        detected.is_soc_start_before_plug_in,
        case
            when detected.ocpp_session_id is not null then coalesce(detected.soc_after_pct, detected.last_soc_pct)
            else detected.last_soc_pct
        end as soc_end_pct,
        detected.ocpp_session_id is not null and detected.soc_after_pct is not null as is_soc_end_after_unplug,
        coalesce(detected.first_reading_energy_kwh, 0) as energy_before_soc_start_kwh,
        detected.telematics_energy_kwh
    from detected
    left join exports on detected.ocpp_session_id = exports.ocpp_session_id
),

export_only_sessions as (
    select
        exports.vehicle_id,
        exports.ocpp_session_id,
        exports.started_at,
        exports.stopped_at as ended_at,
        cast(null as {{ dbt.type_timestamp() }}) as first_reading_at,
        cast(null as {{ dbt.type_timestamp() }}) as last_reading_at,
        0 as run_count,
        0 as reading_count,
        cast(null as {{ type_double() }}) as soc_start_pct,
        cast(null as {{ dbt.type_boolean() }}) as is_soc_start_before_plug_in,
        cast(null as {{ type_double() }}) as soc_end_pct,
        cast(null as {{ dbt.type_boolean() }}) as is_soc_end_after_unplug,
        cast(null as {{ type_double() }}) as energy_before_soc_start_kwh,
        cast(null as {{ type_double() }}) as telematics_energy_kwh
    from all_exports as exports
    left join run_exports on exports.ocpp_session_id = run_exports.ocpp_session_id
    where run_exports.ocpp_session_id is null
),

all_sessions as (
    select * from detected_sessions
    union all
    select * from export_only_sessions
),

final as (
    select
        -- an export's session is known by the export; a telematics-only one by its vehicle and start
        {{ dbt.hash(
            "coalesce(" ~ dbt.concat(["'ocpp|'", 'ocpp_session_id']) ~ ", "
            ~ dbt.concat(['vehicle_id', "'|'", dbt.cast('started_at', dbt.type_string())]) ~ ")"
        ) }} as session_id,
        vehicle_id,
        ocpp_session_id,
        started_at,
        ended_at,
        {{ local_date('started_at') }} as started_date,
        first_reading_at,
        last_reading_at,
        run_count,
        reading_count,
        soc_start_pct,
        soc_end_pct,
        is_soc_start_before_plug_in,
        is_soc_end_after_unplug,
        energy_before_soc_start_kwh,
        telematics_energy_kwh
    from all_sessions
)

select * from final
