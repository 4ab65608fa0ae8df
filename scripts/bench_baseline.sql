-- Hand-written DuckDB SQL of the telematics path's core work, over the same raw tables the dbt models
-- read: the floor `scripts/bench` compares the dbt build with. Same definitions as the models
-- (docs/design.md, "Metric definitions"), written the way one would by hand: one sort for dedupe and neighbours.

-- 1. first delivery of every reading (vehicle and reading time), units converted, with the previous/next reading of the vehicle
create or replace temp table pings as
with first_delivery as (
    select *
    from raw.telematics
    qualify row_number() over (partition by vehicle_id, event_time order by publish_time, _loaded_at, _file, _row_number) = 1
),
neighbours as (
    select
        vehicle_id,
        event_time as recorded_at,
        cast(timezone('America/Mexico_City', timezone('UTC', event_time)) as date) as recorded_date,
        ev_state_of_charge_milli_percent / 1000.0 as soc_pct,
        ev_charging_status = 2 as is_charging,
        ev_charging_energy_micro_wh / 1e9 as charging_energy_kwh,
        obd_odometer_meters / 1000.0 as odometer_km,
        _loaded_at as loaded_at,
        lead(event_time) over w as next_at,
        lead(obd_odometer_meters / 1000.0) over w as next_km,
        lead(ev_charging_status = 2) over w as next_charging,
        lead(ev_state_of_charge_milli_percent / 1000.0) over w as next_soc,
        lag(event_time) over w as prior_at,
        lag(obd_odometer_meters / 1000.0) over w as prior_km
    from first_delivery
    window w as (partition by vehicle_id order by event_time)
)
select
    *,
    -- km driven: plausible odometer steps (<= 200 km/h), a single glitch reading bridged
    case
        when not coalesce(odometer_km - prior_km between 0 and 200 * greatest(date_diff('second', prior_at, recorded_at), 60) / 3600.0, true)
            and not coalesce(next_km - odometer_km between 0 and 200 * greatest(date_diff('second', recorded_at, next_at), 60) / 3600.0, true)
            and next_km - prior_km between 0 and 200 * greatest(date_diff('second', prior_at, next_at), 60) / 3600.0
            then next_km - prior_km
        else
            case when date_diff('second', recorded_at, next_at) <= 900
                and next_km - odometer_km between 0 and 200 * greatest(date_diff('second', recorded_at, next_at), 60) / 3600.0
                then next_km - odometer_km else 0 end
            + case when date_diff('second', prior_at, recorded_at) > 900
                and odometer_km - prior_km between 0 and 200 * greatest(date_diff('second', prior_at, recorded_at), 60) / 3600.0
                then odometer_km - prior_km else 0 end
    end as km_driven
from neighbours;

-- 2. vehicle-days
create or replace temp table vehicle_days as
select
    vehicle_id,
    recorded_date,
    count(*) as pings,
    sum(km_driven) as km_driven,
    min(soc_pct) as soc_min_pct,
    max(soc_pct) as soc_max_pct,
    avg(soc_pct) as soc_avg_pct,
    sum(case when soc_pct < 20 and date_diff('second', recorded_at, next_at) <= 900
        then date_diff('second', recorded_at, next_at) / 60.0 else 0 end) as minutes_below_20_pct,
    max(loaded_at) as loaded_at
from pings
group by all;

-- 3. charging runs: charging readings with no gap over 15 minutes and no driving in between, with the parked
-- readings just before and after
create or replace temp table runs as
with edge_readings as (
    select
        *,
        lag(is_charging) over w as prev_charging,
        lag(recorded_at) over w as prev_at,
        lag(odometer_km) over w as prev_km,
        lag(soc_pct) over w as prev_soc
    from pings
    where is_charging or next_charging
    window w as (partition by vehicle_id order by recorded_at)
),
charging as (
    select
        *,
        lag(recorded_at) over w as prev_charging_at,
        lag(odometer_km) over w as prev_charging_km
    from edge_readings
    where is_charging
    window w as (partition by vehicle_id order by recorded_at)
),
starts as (
    select
        *,
        prev_charging_at is null or date_diff('second', prev_charging_at, recorded_at) > 900
        or (odometer_km > prev_charging_km and odometer_km - prev_charging_km
            <= 200 * greatest(date_diff('second', prev_charging_at, recorded_at), 60) / 3600.0) as is_start
    from charging
),
islands as (
    select *, sum(is_start::int) over (partition by vehicle_id order by recorded_at) as run_number
    from starts
)
select
    vehicle_id,
    run_number,
    min(recorded_at) as started_at,
    max(recorded_at) as ended_at,
    arg_min(soc_pct, recorded_at) as first_soc,
    arg_max(soc_pct, recorded_at) as last_soc,
    arg_min(case when not prev_charging and date_diff('second', prev_at, recorded_at) <= 900 and prev_km = odometer_km
        then prev_soc end, recorded_at) as soc_before,
    arg_max(case when not next_charging and date_diff('second', recorded_at, next_at) <= 900 and next_km = odometer_km
        then next_soc end, recorded_at) as soc_after,
    arg_min(charging_energy_kwh, recorded_at) as first_energy,
    max(charging_energy_kwh) as last_energy
from islands
group by all;

-- 4. sessions: the runs one OCPP export covers are one session (vehicle from the export; blank ones by the tag's
-- vehicle charging then), the others one each; the SoC gain over the energy's interval
create or replace temp table sessions as
with ocpp as (
    select
        trim(session_id) as ocpp_id,
        nullif(trim(vehicle_id), '') as vehicle_id,
        trim(id_tag) as id_tag,
        timezone('UTC', cast(started_at as timestamptz)) as started_at,
        timezone('UTC', cast(stopped_at as timestamptz)) as stopped_at,
        (cast(meter_stop_wh as double) - cast(meter_start_wh as double)) / 1000.0 as energy_kwh,
        lower(trim(connector_type)) as charger_type
    from raw.charging_sessions
),
tag_vehicles as (select distinct id_tag, vehicle_id from ocpp where vehicle_id is not null),
resolved as (
    select ocpp.* replace (coalesce(ocpp.vehicle_id, (
        select t.vehicle_id from tag_vehicles as t join runs as r on t.vehicle_id = r.vehicle_id
        where t.id_tag = ocpp.id_tag and r.started_at <= ocpp.stopped_at and r.ended_at >= ocpp.started_at
        order by r.ended_at - r.started_at desc limit 1)) as vehicle_id)
    from ocpp
),
run_exports as (
    select r.vehicle_id, r.run_number, arg_max(o.ocpp_id, least(r.ended_at, o.stopped_at) - greatest(r.started_at, o.started_at)) as ocpp_id
    from runs as r join resolved as o on r.vehicle_id = o.vehicle_id and r.started_at <= o.stopped_at and r.ended_at >= o.started_at
    group by all
)
select
    r.vehicle_id,
    coalesce(e.ocpp_id, r.vehicle_id || r.run_number) as session_key,
    min(r.started_at) as started_at,
    any_value(o.charger_type) as charger_type,
    any_value(o.energy_kwh) as grid_kwh,
    arg_min(coalesce(r.soc_before, r.first_soc), r.started_at) as soc_start,
    arg_max(coalesce(r.soc_after, r.last_soc), r.started_at) as soc_end,
    arg_min(case when r.soc_before is null then r.first_energy else 0 end, r.started_at) as energy_before,
    max(r.last_energy) as telematics_kwh
from runs as r
left join run_exports as e on r.vehicle_id = e.vehicle_id and r.run_number = e.run_number
left join resolved as o on e.ocpp_id = o.ocpp_id
group by all;

-- 5. latest state per vehicle
create or replace temp table live_status as
select vehicle_id, max(recorded_at) as last_seen_at, arg_max(soc_pct, recorded_at) as soc_pct,
    arg_max(is_charging, recorded_at) as is_charging
from pings
group by all;

-- 6. capacity estimate per vehicle-month from qualifying sessions, joined to nominal battery capacity
create or replace temp table battery_monthly as
with measured as (
    select
        vehicle_id,
        date_trunc('month', started_at) as month,
        soc_end - soc_start as gain,
        coalesce(grid_kwh * case charger_type when 'dc' then 0.93 else 0.90 end, telematics_kwh) - energy_before
            as energy_in_gain
    from sessions
)
select
    m.vehicle_id,
    m.month,
    count(*) as sessions_used,
    median(m.energy_in_gain / (m.gain / 100.0)) / any_value(cast(v.battery_capacity_kwh as double)) * 100
        as soh_estimate_pct
from measured as m
inner join raw.vehicles as v on m.vehicle_id = v.vehicle_id
where m.gain >= 30
group by all;

select
    (select count(*) from pings) as pings,
    (select count(*) from vehicle_days) as vehicle_days,
    (select count(*) from sessions) as sessions,
    (select count(*) from live_status) as vehicles,
    (select count(*) from battery_monthly) as vehicle_months;
