{{ config(**event_incremental_config('recorded_date')) }}
{#- One row per vehicle reading (vehicle and reading time) with the same vehicle's next and previous readings: the
    single ordered pass over the pings that the daily grain and the charging sessions both build on. A reading is
    what the vehicle reported at one instant; a Pub/Sub message is one delivery of it. Pub/Sub redelivers a
    message (same messageId) and a provider may re-publish a reading under a new one: both are the same reading,
    so the dedupe is on (vehicle_id, recorded_at), which needs no message id in the sort or in the table (the
    cheaper pass: docs/performance.md, "Design decisions for speed"). One sort serves the dedupe and the neighbours: in each
    vehicle's timeline the deliveries of a reading are adjacent, latest delivery first, so the first delivery is
    the last row of its run and the row after it is the next reading. Incremental runs rebuild whole local days
    from telematics_rebuild_from() on; the date filters pass through the staging view into the raw scan. -#}
with deliveries as (
    select
        vehicle_id,
        recorded_at,
        recorded_date,
        published_at,
        loaded_at,
        source_row_number,
        soc_pct,
        charge_state,
        charging_energy_kwh,
        odometer_km,
        battery_temp_c,
        oem_soh_pct
    from {{ ref('stg_telematics__vehicle_stats') }}
    {% if is_incremental() %}
        {%- set rebuild_from = telematics_rebuild_from('recorded_date') %}
        -- the recorded_at bound only lets the raw scan prune by event time; a local day starts at most 14 h
        -- before its UTC midnight, so the UTC day before is safe for any var lafa_timezone
        where
            recorded_date >= {{ rebuild_from }}
            and recorded_at >= {{ dbt.cast(dbt.dateadd('day', -1, rebuild_from), api.Column.translate_type('timestamp')) }}
    {% endif %}
),

with_next as (
    select
        *,
        lead(recorded_at) over vehicle_timeline as next_recorded_at,
        lead(recorded_date) over vehicle_timeline as next_recorded_date,
        lead(charge_state) over vehicle_timeline as next_charge_state,
        lead(soc_pct) over vehicle_timeline as next_soc_pct,
        lead(odometer_km) over vehicle_timeline as next_odometer_km,
        -- the previous reading: 1 or 2 rows before a first delivery, after a later delivery of its own reading
        lag(recorded_at, 1) over vehicle_timeline as previous_recorded_at_1,
        lag(recorded_at, 2) over vehicle_timeline as previous_recorded_at_2,
        lag(recorded_date, 1) over vehicle_timeline as previous_recorded_date_1,
        lag(recorded_date, 2) over vehicle_timeline as previous_recorded_date_2,
        lag(odometer_km, 1) over vehicle_timeline as previous_odometer_km_1,
        lag(odometer_km, 2) over vehicle_timeline as previous_odometer_km_2
    from deliveries
    -- delivery order (publish time, then load time and line; the loader requires a publish time) reversed within
    -- a reading. Deliveries that tie on all three carry the same payload (one Pub/Sub publish), and no lineage
    -- column leaves this model, so the output does not depend on which one is kept.
    window vehicle_timeline as (
        partition by vehicle_id
        order by
            recorded_at asc,
            published_at desc,
            loaded_at desc,
            source_row_number desc
    )
),

first_deliveries as (
    select
        *,
        case
            when previous_recorded_at_1 != recorded_at then previous_odometer_km_1
            when previous_recorded_at_2 != recorded_at then previous_odometer_km_2
        end as prior_odometer_km,
        case
            when previous_recorded_at_1 != recorded_at then previous_recorded_at_1
            when previous_recorded_at_2 != recorded_at then previous_recorded_at_2
        end as prior_recorded_at,
        case
            when previous_recorded_at_1 != recorded_at then previous_recorded_date_1
            when previous_recorded_at_2 != recorded_at then previous_recorded_date_2
        end as prior_recorded_date
    from with_next
    where next_recorded_at is null or next_recorded_at != recorded_at
),

-- km driven (docs/fleet_battery.md): odometer steps whose implied speed is plausible (odometer_delta_is_plausible).
-- A step is booked on the earlier reading while the vehicle stayed on (gap up to telematics_max_gap_minutes), its
-- share after local midnight on the later one when it crosses midnight; a step across a longer gap on the later
-- one: the vehicle moved after it came back on. A glitch is a single reading implausible against both
-- neighbours while they are plausible against each other: the distance between its neighbours is booked on it, so
-- one bad reading loses no driving.
odometer_steps as (
    select
        *,
        {{ odometer_delta_is_plausible('odometer_km', 'next_odometer_km', 'recorded_at', 'next_recorded_at') }}
            as is_step_plausible,
        {{ odometer_delta_is_plausible('prior_odometer_km', 'odometer_km', 'prior_recorded_at', 'recorded_at') }}
            as is_prior_step_plausible,
        {{ minutes_between('recorded_at', 'next_recorded_at') }} <= {{ var('telematics_max_gap_minutes') }}
            as is_on_until_next,
        {{ minutes_between('prior_recorded_at', 'recorded_at') }} <= {{ var('telematics_max_gap_minutes') }}
            as is_on_since_prior,
        {{ odometer_delta_is_plausible(
            'prior_odometer_km', 'next_odometer_km', 'prior_recorded_at', 'next_recorded_at') }}
            as is_bridge_plausible
    from first_deliveries
),

glitches as (
    select
        *,
        not is_prior_step_plausible and not is_step_plausible and is_bridge_plausible as is_odometer_glitch
    from odometer_steps
),

final as (
    select
        vehicle_id,
        recorded_at,
        recorded_date,
        soc_pct,
        charge_state,
        charge_state = 'charging' as is_charging,
        -- impossible readings are flagged, not dropped (the loader already quarantines out-of-range values)
        soc_pct is null or soc_pct < 0 or soc_pct > 100 or coalesce(charging_energy_kwh, 0) < 0 as is_suspect,
        charging_energy_kwh,
        odometer_km,
        battery_temp_c,
        oem_soh_pct,
        -- a gap longer than the max means the vehicle was off: that time is not observed
        case
            when {{ minutes_between('recorded_at', 'next_recorded_at') }} <= {{ var('telematics_max_gap_minutes') }}
                then {{ minutes_between('recorded_at', 'next_recorded_at') }}
            else 0
        end as observed_minutes,
        case
            when is_odometer_glitch then next_odometer_km - prior_odometer_km
            else
                case
                    when not coalesce(is_step_plausible and is_on_until_next, false) then 0
                    when next_recorded_date = recorded_date then next_odometer_km - odometer_km
                    else
                        (next_odometer_km - odometer_km)
                        * {{ dbt.datediff('recorded_at', local_midnight_utc('next_recorded_date'), 'second') }}
                        / {{ dbt.datediff('recorded_at', 'next_recorded_at', 'second') }}
                end
                + case
                    when not coalesce(is_prior_step_plausible, false) then 0
                    when not is_on_since_prior then odometer_km - prior_odometer_km
                    when prior_recorded_date = recorded_date then 0
                    else
                        (odometer_km - prior_odometer_km)
                        * {{ dbt.datediff(local_midnight_utc('recorded_date'), 'recorded_at', 'second') }}
                        / {{ dbt.datediff('prior_recorded_at', 'recorded_at', 'second') }}
                end
        end as km_driven,
        coalesce(not is_step_plausible and not is_odometer_glitch, false) as is_odometer_jump,
        -- the next reading, for a charging reading only (session edges, int_fleet__charging_runs)
        coalesce(next_charge_state = 'charging', false) as is_next_charging,
        case when charge_state = 'charging' then next_recorded_at end as next_recorded_at,
        case when charge_state = 'charging' then next_soc_pct end as next_soc_pct,
        case when charge_state = 'charging' then next_odometer_km end as next_odometer_km,
        loaded_at
    from glitches
)

select * from final
