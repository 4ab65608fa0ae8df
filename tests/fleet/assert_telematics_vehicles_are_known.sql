-- Telematics can arrive before the vehicles export lists a vehicle (a new vehicle, or a provider's test unit): its
-- readings are kept (int_fleet__telematics_intervals) but it is on no fleet mart until the vehicles export has it.
-- This warning counts such vehicles, so an operator sees them instead of losing them.
{{ config(severity='warn') }}

select
    latest.vehicle_id,
    latest.recorded_at as last_reading_at
from {{ ref('int_fleet__vehicle_latest_readings') }} as latest
left join {{ ref('dim_vehicles') }} as known on latest.vehicle_id = known.vehicle_id
where known.vehicle_id is null
