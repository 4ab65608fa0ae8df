-- Hand-written DuckDB SQL of the telematics path's core work, over the same raw tables the dbt models
-- read: the floor `scripts/bench` compares the dbt build with. Same definitions as the models
-- (DESIGN.md section 4), written the way one would by hand: one sort for dedupe and neighbours.

-- 1. first delivery of every message, units converted, with the previous/next ping of the vehicle
create or replace temp table pings as
with first_delivery as (
    select *
    from raw.telematics
    qualify row_number() over (partition by message_id order by publish_time, _loaded_at, _file, _row_number) = 1
)
select
    message_id,
    vehicle_id,
    event_time as recorded_at,
    cast(timezone('America/Mexico_City', timezone('UTC', event_time)) as date) as recorded_date,
    ev_state_of_charge_milli_percent / 1000.0 as soc_pct,
    ev_charging_status = 2 as is_charging,
    ev_charging_energy_micro_wh / 1e9 as charging_energy_kwh,
    obd_odometer_meters / 1000.0 as odometer_km,
    lead(event_time) over w as next_recorded_at
from first_delivery
window w as (partition by vehicle_id order by event_time, message_id);

-- 2. vehicle-days
create or replace temp table vehicle_days as
select
    vehicle_id,
    recorded_date,
    count(*) as pings,
    max(odometer_km) - min(odometer_km) as km_driven,
    min(soc_pct) as soc_min_pct,
    max(soc_pct) as soc_max_pct,
    avg(soc_pct) as soc_avg_pct,
    sum(case when soc_pct < 20 and date_diff('second', recorded_at, next_recorded_at) <= 900
        then date_diff('second', recorded_at, next_recorded_at) / 60.0 else 0 end) as minutes_below_20_pct
from pings
group by all;

-- 3. charging sessions: gaps and islands over charging pings (15-minute rule)
create or replace temp table sessions as
with charging as (
    select
        vehicle_id, recorded_at, soc_pct, charging_energy_kwh,
        lag(recorded_at) over (partition by vehicle_id order by recorded_at, message_id) as previous_at
    from pings
    where is_charging
),
islands as (
    select *,
        sum(case when previous_at is null or date_diff('second', previous_at, recorded_at) > 900 then 1 else 0 end)
            over (partition by vehicle_id order by recorded_at rows unbounded preceding) as session_number
    from charging
)
select
    vehicle_id,
    session_number,
    min(recorded_at) as started_at,
    max(recorded_at) as ended_at,
    arg_min(soc_pct, recorded_at) as soc_start_pct,
    arg_max(soc_pct, recorded_at) as soc_end_pct,
    max(charging_energy_kwh) as energy_kwh
from islands
group by all;

-- 4. latest state per vehicle
create or replace temp table live_status as
select vehicle_id, max(recorded_at) as last_seen_at, arg_max(soc_pct, recorded_at) as soc_pct,
    arg_max(is_charging, recorded_at) as is_charging
from pings
group by all;

-- 5. capacity estimate per vehicle-month from qualifying sessions, joined to nominal battery capacity
create or replace temp table battery_monthly as
select
    s.vehicle_id,
    date_trunc('month', s.started_at) as month,
    count(*) as sessions_used,
    median(s.energy_kwh / ((s.soc_end_pct - s.soc_start_pct) / 100.0))
        / any_value(cast(v.battery_capacity_kwh as double)) * 100 as soh_estimate_pct
from sessions as s
inner join raw.vehicles as v on s.vehicle_id = v.vehicle_id
where s.soc_end_pct - s.soc_start_pct >= 30
group by all;

select
    (select count(*) from pings) as pings,
    (select count(*) from vehicle_days) as vehicle_days,
    (select count(*) from sessions) as sessions,
    (select count(*) from live_status) as vehicles,
    (select count(*) from battery_monthly) as vehicle_months;
