{#- Every OCPP export of a depot or public charger with its vehicle (DESIGN.md section 4). The vehicle is the
    export's own; when blank, it is resolved at the export's time, never from all-time frequencies (RFID cards
    belong to drivers and move with them): first the vehicle charging then, among the vehicles the tag could be on
    (those it was exported with, and the one its driver held under the contract valid then), by the longest
    overlap of its charging runs with the export; else the vehicle of that contract. The tag's driver is the
    driver most often holding, under the contract valid at the time, the vehicle of the tag's exports that carry
    one. -#}
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

tag_candidates as (
    select distinct
        blank_exports.ocpp_session_id,
        ocpp.vehicle_id
    from blank_exports
    inner join ocpp on blank_exports.id_tag = ocpp.id_tag
    where ocpp.vehicle_id is not null
    union distinct
    select
        ocpp_session_id,
        vehicle_id
    from driver_contract_vehicles
),

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
                order by
                    sum({{ dbt.datediff(
                        'case when runs.started_at > blank_exports.started_at then runs.started_at'
                        ~ ' else blank_exports.started_at end',
                        'case when runs.ended_at < blank_exports.stopped_at then runs.ended_at'
                        ~ ' else blank_exports.stopped_at end',
                        'second') }}) desc,
                    tag_candidates.vehicle_id asc
            ) as overlap_rank
        from tag_candidates
        inner join blank_exports on tag_candidates.ocpp_session_id = blank_exports.ocpp_session_id
        inner join runs
            on
                tag_candidates.vehicle_id = runs.vehicle_id
                and blank_exports.stopped_at >= runs.started_at
                and blank_exports.started_at <= runs.ended_at
        group by 1, 2
    ) as ranked
    where overlap_rank = 1
),

final as (
    select
        ocpp.ocpp_session_id,
        coalesce(ocpp.vehicle_id, charging_then.vehicle_id, driver_contract_vehicles.vehicle_id) as vehicle_id,
        case
            when ocpp.vehicle_id is not null then 'export'
            when charging_then.vehicle_id is not null then 'charging_then'
            when driver_contract_vehicles.vehicle_id is not null then 'tag_driver_contract'
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
)

select * from final
