{#- Every OCPP export of a depot or public charger with the telematics session it explains. The vehicle is the
    export's, or when blank the vehicle its RFID tag belongs to (learnt from the exports that carry both: the
    most frequent vehicle per tag). An export and a detected session of the same vehicle match when their times
    overlap; each export goes to the session it overlaps most and each session to the export it overlaps most
    (one-to-one). Exports that match no session keep session_id null. -#}
with ocpp as (
    select
        ocpp_session_id,
        station_id,
        location_type,
        charger_type,
        id_tag,
        vehicle_id,
        started_at,
        stopped_at,
        energy_grid_kwh,
        price_mxn
    from {{ ref('stg_charging__ocpp_sessions') }}
),

detected as (
    select
        session_id,
        vehicle_id,
        started_at,
        ended_at
    from {{ ref('int_fleet__charging_sessions') }}
),

tag_vehicles as (
    select
        id_tag,
        vehicle_id
    from (
        select
            id_tag,
            vehicle_id,
            row_number() over (partition by id_tag order by count(*) desc, vehicle_id asc) as tag_rank
        from ocpp
        where id_tag is not null and vehicle_id is not null
        group by 1, 2
    ) as ranked
    where tag_rank = 1
),

ocpp_resolved as (
    select
        ocpp.ocpp_session_id,
        ocpp.station_id,
        ocpp.location_type,
        ocpp.charger_type,
        ocpp.started_at,
        ocpp.stopped_at,
        ocpp.energy_grid_kwh,
        ocpp.price_mxn,
        coalesce(ocpp.vehicle_id, tag_vehicles.vehicle_id) as vehicle_id,
        ocpp.vehicle_id is null and tag_vehicles.vehicle_id is not null as is_vehicle_from_tag
    from ocpp
    left join tag_vehicles on ocpp.id_tag = tag_vehicles.id_tag
),

candidates as (
    select
        detected.session_id,
        ocpp_resolved.ocpp_session_id,
        {{ dbt.datediff(
            'case when detected.started_at > ocpp_resolved.started_at then detected.started_at'
            ~ ' else ocpp_resolved.started_at end',
            'case when detected.ended_at < ocpp_resolved.stopped_at then detected.ended_at'
            ~ ' else ocpp_resolved.stopped_at end',
            'second') }} as overlap_seconds
    from detected
    inner join ocpp_resolved
        on
            detected.vehicle_id = ocpp_resolved.vehicle_id
            and detected.started_at <= ocpp_resolved.stopped_at
            and detected.ended_at >= ocpp_resolved.started_at
),

matches as (
    select
        session_id,
        ocpp_session_id,
        overlap_seconds
    from (
        select
            session_id,
            ocpp_session_id,
            overlap_seconds,
            row_number() over (partition by session_id order by overlap_seconds desc, ocpp_session_id asc)
                as by_session,
            row_number() over (partition by ocpp_session_id order by overlap_seconds desc, session_id asc)
                as by_export
        from candidates
    ) as ranked
    where by_session = 1 and by_export = 1
),

final as (
    select
        ocpp_resolved.ocpp_session_id,
        ocpp_resolved.vehicle_id,
        ocpp_resolved.is_vehicle_from_tag,
        ocpp_resolved.station_id,
        ocpp_resolved.location_type,
        ocpp_resolved.charger_type,
        ocpp_resolved.started_at,
        ocpp_resolved.stopped_at,
        ocpp_resolved.energy_grid_kwh,
        ocpp_resolved.price_mxn,
        matches.session_id,
        matches.overlap_seconds / 60.0 as overlap_minutes
    from ocpp_resolved
    left join matches on ocpp_resolved.ocpp_session_id = matches.ocpp_session_id
)

select * from final
