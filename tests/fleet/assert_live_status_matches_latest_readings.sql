-- The live status (built incrementally, int_fleet__vehicle_latest_readings) shows every known vehicle
-- (dim_vehicles) with a non-suspect reading, last seen at its latest one, and no other vehicle. With var
-- data_tests_recent_days (the daily job), only vehicles that reported in the last N days are checked, against
-- those days' readings.
{%- set recent = recent_days_condition(ref('int_fleet__telematics_intervals'), 'recorded_date') %}
with readings as (
    select
        intervals.vehicle_id,
        max(intervals.recorded_at) as latest_at
    from {{ ref('int_fleet__telematics_intervals') }} as intervals
    inner join {{ ref('dim_vehicles') }} as known on intervals.vehicle_id = known.vehicle_id
    where not intervals.is_suspect
    {%- if recent %}
        and {{ recent }}
    {%- endif %}
    group by 1
),

live as (
    select
        vehicle_id,
        last_seen_at
    from {{ ref('rpt_fleet_live_status') }}
)

select
    readings.vehicle_id as reading_vehicle_id,
    live.vehicle_id as live_vehicle_id,
    readings.latest_at,
    live.last_seen_at
from readings
{{ 'left' if recent else 'full outer' }} join live
    on readings.vehicle_id = live.vehicle_id
where
    readings.vehicle_id is null
    or live.vehicle_id is null
    or live.last_seen_at != readings.latest_at
