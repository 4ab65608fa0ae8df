{{ config(severity='warn') }}
-- Consistency between sources: a vehicle-day's km on trip (platform) should not exceed the km its odometer moved
-- (telematics) by more than var trip_km_tolerance_share plus var trip_km_tolerance_km (a trip across local midnight
-- books all its km on its start date). Rows: the vehicle-days over it (a platform's distance or the telematics feed
-- is off).
select
    vehicle_id,
    activity_date,
    km_on_trip,
    km_driven
from {{ ref('fct_vehicle_utilisation_daily') }}
where km_on_trip > km_driven * (1 + {{ var('trip_km_tolerance_share') }}) + {{ var('trip_km_tolerance_km') }}
