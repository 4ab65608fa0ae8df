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
        acquisition_cost_mxn,
        latest_contract_id,
        latest_contract_status,
        is_leased
    from {{ ref('int_fleet__vehicles') }}
),

specs as (
    select
        make,
        model,
        ac_max_kw,
        dc_max_kw
    from {{ ref('vehicle_model_specs') }}
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
        vehicles.latest_contract_id,
        vehicles.latest_contract_status,
        vehicles.is_leased
    from vehicles
    left join specs on vehicles.make = specs.make and vehicles.model = specs.model
)

select * from final
