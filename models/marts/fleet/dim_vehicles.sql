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

specs as (
    select
        make,
        model,
        ac_max_kw,
        dc_max_kw
    from {{ ref('vehicle_model_specs') }}
),

contracts as (
    select
        contract_id,
        vehicle_id,
        signed_at,
        status
    from {{ ref('stg_lending__lto_contracts') }}
),

-- the vehicle's latest contract (active, or the last one before it returned to the pool)
latest_contracts as (
    select
        vehicle_id,
        contract_id,
        status
    from (
        select
            vehicle_id,
            contract_id,
            status,
            row_number() over (partition by vehicle_id order by signed_at desc, contract_id desc) as contract_rank
        from contracts
    ) as ranked
    where contract_rank = 1
),

final as (
    select
        vehicles.vehicle_id,
        vehicles.vin,
        vehicles.make,
        vehicles.model,
        vehicles.model_year,
        vehicles.nominal_capacity_kwh,
        specs.ac_max_kw,
        specs.dc_max_kw,
        vehicles.acquired_date,
        vehicles.disposed_date,
        vehicles.acquisition_cost_mxn,
        latest_contracts.contract_id as latest_contract_id,
        latest_contracts.status as latest_contract_status,
        coalesce(latest_contracts.status = 'active', false) as is_leased
    from vehicles
    left join specs on vehicles.make = specs.make and vehicles.model = specs.model
    left join latest_contracts on vehicles.vehicle_id = latest_contracts.vehicle_id
)

select * from final
