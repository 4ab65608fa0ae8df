{#- Every charging session: telematics sessions matched to the OCPP export that overlaps them most (vehicle
    from the export or, when blank, from its RFID tag), plus OCPP sessions no telematics session explains.
    energy_kwh is grid-side: the OCPP meter delta when matched, else telematics energy / AC efficiency (home).
    energy_battery_kwh = grid energy x charger efficiency (seed charger_efficiencies). Sessions without an
    export are home AC charging, priced at the home tariff (seed electricity_tariffs). -#}
with detected as (
    select
        session_id,
        vehicle_id,
        started_at,
        ended_at,
        started_date,
        soc_start_pct,
        soc_end_pct,
        telematics_energy_kwh
    from {{ ref('int_fleet__charging_sessions') }}
),

ocpp as (
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

efficiencies as (
    select
        charger_type,
        efficiency
    from {{ ref('charger_efficiencies') }}
),

tariffs as (
    select
        location_type,
        valid_from,
        valid_to,
        mxn_per_kwh
    from {{ ref('electricity_tariffs') }}
),

-- RFID tag -> vehicle, learnt from the exports that carry both (the most frequent vehicle per tag)
tag_vehicles as (
    select
        id_tag,
        vehicle_id
    from (
        select
            id_tag,
            vehicle_id,
            row_number() over (partition by id_tag order by count(*) desc, vehicle_id) as tag_rank
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
        coalesce(ocpp.vehicle_id, tag_vehicles.vehicle_id) as vehicle_id
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
        ocpp_session_id
    from (
        select
            session_id,
            ocpp_session_id,
            row_number() over (partition by session_id order by overlap_seconds desc, ocpp_session_id asc)
                as by_session,
            row_number() over (partition by ocpp_session_id order by overlap_seconds desc, session_id asc)
                as by_export
        from candidates
    ) as ranked
    where by_session = 1 and by_export = 1
),

telematics_sessions as (
    select
        detected.session_id,
        detected.vehicle_id,
        detected.started_at,
        detected.ended_at,
        detected.started_date,
        detected.soc_start_pct,
        detected.soc_end_pct,
        ocpp_resolved.ocpp_session_id,
        ocpp_resolved.station_id,
        coalesce(ocpp_resolved.charger_type, 'ac') as charger_type,
        coalesce(ocpp_resolved.location_type, 'home') as location_type,
        case when ocpp_resolved.ocpp_session_id is null then 'telematics' else 'ocpp' end as energy_source,
        -- the export's energy belongs to the whole session only when the telematics session spans it too
        -- (not the case for a session still in flight at the data cutoff)
        ocpp_resolved.ocpp_session_id is null
        or (
            abs({{ dbt.datediff('detected.started_at', 'ocpp_resolved.started_at', 'second') }}) <= 600
            and abs({{ dbt.datediff('detected.ended_at', 'ocpp_resolved.stopped_at', 'second') }}) <= 600
        ) as is_energy_complete,
        coalesce(
            ocpp_resolved.energy_grid_kwh,
            detected.telematics_energy_kwh
            / (
                select efficiencies.efficiency from efficiencies
                where efficiencies.charger_type = 'ac'
            )
        ) as energy_kwh,
        ocpp_resolved.price_mxn
    from detected
    left join matches on detected.session_id = matches.session_id
    left join ocpp_resolved on matches.ocpp_session_id = ocpp_resolved.ocpp_session_id
),

ocpp_only as (
    select
        ocpp_resolved.ocpp_session_id as session_id,
        ocpp_resolved.vehicle_id,
        ocpp_resolved.started_at,
        ocpp_resolved.stopped_at as ended_at,
        {{ local_date('ocpp_resolved.started_at') }} as started_date,
        cast(null as {{ dbt.type_float() }}) as soc_start_pct,
        cast(null as {{ dbt.type_float() }}) as soc_end_pct,
        ocpp_resolved.ocpp_session_id,
        ocpp_resolved.station_id,
        ocpp_resolved.charger_type,
        ocpp_resolved.location_type,
        'ocpp_only' as energy_source,
        false as is_energy_complete,
        ocpp_resolved.energy_grid_kwh as energy_kwh,
        ocpp_resolved.price_mxn
    from ocpp_resolved
    left join matches on ocpp_resolved.ocpp_session_id = matches.ocpp_session_id
    where matches.ocpp_session_id is null
),

all_sessions as (
    select * from telematics_sessions
    union all
    select * from ocpp_only
),

final as (
    select
        all_sessions.session_id,
        all_sessions.vehicle_id,
        all_sessions.started_at,
        all_sessions.ended_at,
        all_sessions.started_date,
        {{ minutes_between('all_sessions.started_at', 'all_sessions.ended_at') }} as duration_minutes,
        all_sessions.soc_start_pct,
        all_sessions.soc_end_pct,
        all_sessions.soc_end_pct - all_sessions.soc_start_pct as soc_gain_pct,
        all_sessions.energy_kwh,
        all_sessions.energy_kwh * efficiencies.efficiency as energy_battery_kwh,
        all_sessions.energy_source,
        all_sessions.is_energy_complete,
        all_sessions.charger_type,
        all_sessions.location_type,
        all_sessions.ocpp_session_id,
        all_sessions.station_id,
        cast(
            coalesce(all_sessions.price_mxn, round(all_sessions.energy_kwh * tariffs.mxn_per_kwh, 2))
            as {{ type_money() }}
        ) as cost_mxn
    from all_sessions
    left join efficiencies on all_sessions.charger_type = efficiencies.charger_type
    left join tariffs
        on
            all_sessions.location_type = tariffs.location_type
            and all_sessions.started_date between tariffs.valid_from and tariffs.valid_to
)

select * from final
