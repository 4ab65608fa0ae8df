{{ config(severity='warn') }}
-- Consistency between sources: a trip's driver held a contract on its vehicle that day (signed on or before it, not
-- closed before it). Rows: the trips no contract covers (a driver lending the car, a contract missing from the
-- export, or a platform export naming the wrong vehicle), for collections and fleet to look at.
with trips as (
    select
        trip_id,
        driver_id,
        vehicle_id,
        started_date
    from {{ ref('int_trips__trips') }}
),

contracts as (
    select
        driver_id,
        vehicle_id,
        signed_date,
        closed_date
    from {{ ref('dim_contracts') }}
)

select
    trips.trip_id,
    trips.driver_id,
    trips.vehicle_id,
    trips.started_date
from trips
where not exists (
    select 1 as covered
    from contracts
    where
        contracts.driver_id = trips.driver_id
        and contracts.vehicle_id = trips.vehicle_id
        and contracts.signed_date <= trips.started_date
        and (contracts.closed_date is null or trips.started_date <= contracts.closed_date)
)
