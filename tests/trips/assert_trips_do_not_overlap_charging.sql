{{ config(severity='warn') }}
-- Consistency between sources: a vehicle cannot carry a rider while plugged in. Rows: trips overlapping a charging
-- session of the same vehicle by more than var trip_charging_overlap_minutes (OCPP clocks run up to 90 s off).
with trips as (
    select
        trip_id,
        vehicle_id,
        started_at,
        ended_at
    from {{ ref('int_trips__trips') }}
),

sessions as (
    select
        session_id,
        vehicle_id,
        started_at,
        ended_at
    from {{ ref('int_fleet__charging_sessions') }}
),

trip_session_overlaps as (
    select
        trips.trip_id,
        sessions.session_id,
        trips.vehicle_id,
        trips.started_at as trip_started_at,
        trips.ended_at as trip_ended_at,
        sessions.started_at as session_started_at,
        sessions.ended_at as session_ended_at,
        {{ minutes_between(
            'greatest(trips.started_at, sessions.started_at)', 'least(trips.ended_at, sessions.ended_at)'
        ) }} as overlap_minutes
    from trips
    inner join sessions
        on
            trips.vehicle_id = sessions.vehicle_id
            and trips.started_at < sessions.ended_at
            and trips.ended_at > sessions.started_at
)

select *
from trip_session_overlaps
where overlap_minutes > {{ var('trip_charging_overlap_minutes') }}
