{#- Every OCPP export of a depot or public charger with its vehicle (docs/fleet_battery.md). The vehicle is the
    export's own; when blank, it is resolved at the export's time, never from all-time frequencies (RFID cards
    belong to drivers and move with them): the vehicle charging then, among the one the tag's driver held under the
    contract valid then and, after it, the one named on the tag's export nearest in time; else that contract's
    vehicle; else the nearest export's. The tag's driver is the driver most often holding, under the contract
    valid at the time, the vehicle of the tag's exports that carry one. -#}
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

runs as (
    select
        vehicle_id,
        started_at,
        ended_at
    from {{ ref('int_fleet__charging_runs') }}
),

contracts as (
    select
        contract_id,
        driver_id,
        vehicle_id,
        signed_at,
        closed_at
    from {{ ref('stg_lending__lto_contracts') }}
),

-- the contract (and so the driver) of a vehicle at an export's start: the latest signed one not closed before it
export_contracts as (
    select
        ocpp_session_id,
        driver_id
    from (
        select
            ocpp.ocpp_session_id,
            contracts.driver_id,
            row_number() over (
                partition by ocpp.ocpp_session_id order by contracts.signed_at desc, contracts.contract_id desc
            ) as contract_rank
        from ocpp
        inner join contracts
            on
                ocpp.vehicle_id = contracts.vehicle_id
                and ocpp.started_at >= contracts.signed_at
                and (contracts.closed_at is null or ocpp.started_at <= contracts.closed_at)
    ) as ranked
    where contract_rank = 1
),

tag_drivers as (
    select
        id_tag,
        driver_id
    from (
        select
            ocpp.id_tag,
            export_contracts.driver_id,
            row_number() over (
                partition by ocpp.id_tag order by count(*) desc, export_contracts.driver_id asc
            ) as driver_rank
        from ocpp
        inner join export_contracts on ocpp.ocpp_session_id = export_contracts.ocpp_session_id
        where ocpp.id_tag is not null
        group by 1, 2
    ) as ranked
    where driver_rank = 1
),

blank_exports as (
    select
        ocpp_session_id,
        id_tag,
        started_at,
        stopped_at
    from ocpp
    where vehicle_id is null and id_tag is not null
),

-- the vehicle the tag's driver held under the contract valid at the export's start
driver_contract_vehicles as (
    select
        ocpp_session_id,
        vehicle_id
    from (
        select
            blank_exports.ocpp_session_id,
            contracts.vehicle_id,
            row_number() over (
                partition by blank_exports.ocpp_session_id
                order by contracts.signed_at desc, contracts.contract_id desc
            ) as contract_rank
        from blank_exports
        inner join tag_drivers on blank_exports.id_tag = tag_drivers.id_tag
        inner join contracts
            on
                tag_drivers.driver_id = contracts.driver_id
                and blank_exports.started_at >= contracts.signed_at
                and (contracts.closed_at is null or blank_exports.started_at <= contracts.closed_at)
    ) as ranked
    where contract_rank = 1
),

-- the vehicle named on the tag's export nearest in time (cards move with drivers: never all-time frequencies)
nearest_tag_vehicles as (
    select
        ocpp_session_id,
        vehicle_id
    from (
        select
            blank_exports.ocpp_session_id,
            ocpp.vehicle_id,
            row_number() over (
                partition by blank_exports.ocpp_session_id
                order by
                    abs({{ dbt.datediff('ocpp.started_at', 'blank_exports.started_at', 'second') }}) asc,
                    ocpp.ocpp_session_id asc
            ) as nearness_rank
        from blank_exports
        inner join ocpp on blank_exports.id_tag = ocpp.id_tag
        where ocpp.vehicle_id is not null
    ) as ranked
    where nearness_rank = 1
),

tag_candidates as (
    select
        ocpp_session_id,
        vehicle_id,
        1 as priority
    from driver_contract_vehicles
    union all
    select
        ocpp_session_id,
        vehicle_id,
        2 as priority
    from nearest_tag_vehicles
),

-- the first candidate charging during the export (another driver's vehicle may charge beside it at the depot)
charging_then as (
    select
        ocpp_session_id,
        vehicle_id
    from (
        select
            tag_candidates.ocpp_session_id,
            tag_candidates.vehicle_id,
            row_number() over (
                partition by tag_candidates.ocpp_session_id
                order by tag_candidates.priority asc, tag_candidates.vehicle_id asc
            ) as candidate_rank
        from tag_candidates
        inner join blank_exports on tag_candidates.ocpp_session_id = blank_exports.ocpp_session_id
        inner join runs
            on
                tag_candidates.vehicle_id = runs.vehicle_id
                and blank_exports.stopped_at >= runs.started_at
                and blank_exports.started_at <= runs.ended_at
    ) as ranked
    where candidate_rank = 1
),

final as (
    select
        ocpp.ocpp_session_id,
        coalesce(
            ocpp.vehicle_id,
            charging_then.vehicle_id,
            driver_contract_vehicles.vehicle_id,
            nearest_tag_vehicles.vehicle_id
        ) as vehicle_id,
        case
            when ocpp.vehicle_id is not null then 'export'
            when charging_then.vehicle_id is not null then 'charging_then'
            when driver_contract_vehicles.vehicle_id is not null then 'tag_driver_contract'
            when nearest_tag_vehicles.vehicle_id is not null then 'tag_nearest_export'
        end as vehicle_source,
        ocpp.id_tag,
        ocpp.station_id,
        ocpp.location_type,
        ocpp.charger_type,
        ocpp.started_at,
        ocpp.stopped_at,
        {{ local_date('ocpp.started_at') }} as started_date,
        ocpp.energy_grid_kwh,
        ocpp.price_mxn
    from ocpp
    left join charging_then on ocpp.ocpp_session_id = charging_then.ocpp_session_id
    left join driver_contract_vehicles on ocpp.ocpp_session_id = driver_contract_vehicles.ocpp_session_id
    left join nearest_tag_vehicles on ocpp.ocpp_session_id = nearest_tag_vehicles.ocpp_session_id
)

select * from final
