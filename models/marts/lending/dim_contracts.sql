{#- One row per LTO contract: terms, its latest state, and its credit outcomes to date (the outcome rules live
    here). Outcomes read DPD only on days the contract is active: after closing, installments keep falling
    due on paper but are not delinquency. Reached 30+ / 60+ DPD: DPD >= 30 / >= 60 on an active day.
    First-payment default: installment 1 still not fully paid 30 days after its due date (null until that
    day is observed). Cured: reached 30+ DPD and was current (DPD 0) on a later active day. -#}
with contracts as (
    select
        contract_id,
        application_id,
        driver_id,
        vehicle_id,
        signed_date,
        first_due_date,
        term_weeks,
        weekly_payment_mxn,
        down_payment_mxn,
        contract_value_mxn,
        status,
        closed_date
    from {{ ref('stg_lending__lto_contracts') }}
),

contract_days as (
    select
        contract_id,
        as_of_date,
        dpd,
        dpd_bucket,
        outstanding_mxn,
        arrears_mxn,
        installments_paid,
        is_active
    from {{ ref('fct_lto_contract_daily') }}
),

first_reached as (
    select
        contract_id,
        min(case when dpd >= 30 then as_of_date end) as first_30_dpd_date,
        min(case when dpd >= 60 then as_of_date end) as first_60_dpd_date,
        max(dpd) as max_dpd
    from contract_days
    where is_active
    group by 1
),

first_payment as (
    select
        contract_days.contract_id,
        max(case when contract_days.installments_paid = 0 then 1 else 0 end) as first_payment_default
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    where contract_days.as_of_date = {{ dbt.dateadd('day', 30, 'contracts.first_due_date') }}
    group by 1
),

cures as (
    select
        contract_days.contract_id,
        min(contract_days.as_of_date) as cured_date
    from contract_days
    inner join first_reached on contract_days.contract_id = first_reached.contract_id
    where
        contract_days.is_active
        and contract_days.dpd = 0
        and contract_days.as_of_date > first_reached.first_30_dpd_date
    group by 1
),

latest as (
    select
        contract_id,
        as_of_date,
        dpd,
        dpd_bucket,
        outstanding_mxn,
        arrears_mxn
    from (
        select
            *,
            row_number() over (partition by contract_id order by as_of_date desc) as recency_rank
        from contract_days
    ) as ranked
    where recency_rank = 1
),

final as (
    select
        contracts.contract_id,
        contracts.application_id,
        contracts.driver_id,
        contracts.vehicle_id,
        contracts.signed_date,
        cast({{ dbt.date_trunc('month', 'contracts.signed_date') }} as date) as vintage_month,
        contracts.first_due_date,
        contracts.term_weeks,
        contracts.weekly_payment_mxn,
        contracts.down_payment_mxn,
        contracts.contract_value_mxn,
        contracts.status,
        contracts.closed_date,
        latest.as_of_date,
        latest.dpd,
        latest.dpd_bucket,
        latest.outstanding_mxn,
        latest.arrears_mxn,
        first_reached.max_dpd,
        first_reached.first_30_dpd_date,
        first_reached.first_60_dpd_date,
        first_reached.first_30_dpd_date is not null as has_reached_30_dpd,
        first_reached.first_60_dpd_date is not null as has_reached_60_dpd,
        first_payment.first_payment_default = 1 as is_first_payment_default,
        cures.cured_date,
        cures.cured_date is not null as is_cured
    from contracts
    left join latest on contracts.contract_id = latest.contract_id
    left join first_reached on contracts.contract_id = first_reached.contract_id
    left join first_payment on contracts.contract_id = first_payment.contract_id
    left join cures on contracts.contract_id = cures.contract_id
)

select * from final
