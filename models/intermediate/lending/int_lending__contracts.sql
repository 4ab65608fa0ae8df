{#- One row per LTO contract: its terms and two facts other domains ask of a contract, each decided here once:
    - last_due_date: the due date of its last installment that falls due (int_lending__installments): the end of
      the schedule while the contract runs, the last one on or before the close once it closed;
    - is_latest_for_vehicle: the vehicle's latest contract (latest signed_at, then contract_id). A vehicle is under
      contract while its latest contract is active; an older contract never is its current one. -#}
with contracts as (
    select
        contract_id,
        application_id,
        driver_id,
        vehicle_id,
        signed_at,
        signed_date,
        first_due_date,
        term_weeks,
        weekly_payment_mxn,
        down_payment_mxn,
        contract_value_mxn,
        status,
        closed_at,
        closed_date
    from {{ ref('stg_lending__lto_contracts') }}
),

installments as (
    select
        contract_id,
        due_date
    from {{ ref('int_lending__installments') }}
),

last_installments as (
    select
        contract_id,
        max(due_date) as last_due_date
    from installments
    group by 1
),

final as (
    select
        contracts.contract_id,
        contracts.application_id,
        contracts.driver_id,
        contracts.vehicle_id,
        contracts.signed_at,
        contracts.signed_date,
        contracts.first_due_date,
        contracts.term_weeks,
        contracts.weekly_payment_mxn,
        contracts.down_payment_mxn,
        contracts.contract_value_mxn,
        contracts.status,
        contracts.closed_at,
        contracts.closed_date,
        last_installments.last_due_date,
        row_number() over (
            partition by contracts.vehicle_id order by contracts.signed_at desc, contracts.contract_id desc
        ) = 1 as is_latest_for_vehicle
    from contracts
    left join last_installments on contracts.contract_id = last_installments.contract_id
)

select * from final
