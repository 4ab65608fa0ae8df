{#- One row per vehicle of the fleet register (stg_fleet__vehicles) with its latest contract
    (int_lending__contracts.is_latest_for_vehicle): leased while that contract is active. -#}
with vehicles as (
    select
        vehicle_id,
        vin,
        make,
        model,
        model_year,
        nominal_capacity_kwh,
        acquired_date,
        disposed_date,
        acquisition_cost_mxn
    from {{ ref('stg_fleet__vehicles') }}
),

latest_contracts as (
    select
        vehicle_id,
        contract_id,
        status
    from {{ ref('int_lending__contracts') }}
    where is_latest_for_vehicle
),

final as (
    select
        vehicles.vehicle_id,
        vehicles.vin,
        vehicles.make,
        vehicles.model,
        vehicles.model_year,
        vehicles.nominal_capacity_kwh,
        vehicles.acquired_date,
        vehicles.disposed_date,
        vehicles.acquisition_cost_mxn,
        latest_contracts.contract_id as latest_contract_id,
        latest_contracts.status as latest_contract_status,
        coalesce(latest_contracts.status = 'active', false) as is_leased
    from vehicles
    left join latest_contracts on vehicles.vehicle_id = latest_contracts.vehicle_id
)

select * from final
