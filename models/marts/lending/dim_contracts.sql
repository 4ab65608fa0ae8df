{#- One row per LTO contract: terms, its latest state, and its credit outcomes to date. First-payment default:
    installment 1 still not fully paid 30 days after its due date (null until that day is observed). Cured:
    reached 30+ DPD and was current again later. -#}
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
        installments_paid
    from {{ ref('fct_lto_contract_daily') }}
),

first_reached_30 as (
    select
        contract_id,
        min(as_of_date) as first_30_dpd_date
    from contract_days
    where dpd >= 30
    group by 1
),

outcomes as (
    select
        contract_days.contract_id,
        max(contract_days.dpd) as max_dpd,
        max(case
            when contract_days.as_of_date = {{ dbt.dateadd('day', 30, 'contracts.first_due_date') }}
                then case when contract_days.installments_paid = 0 then 1 else 0 end
        end) as first_payment_default,
        max(case
            when contract_days.as_of_date > first_reached_30.first_30_dpd_date and contract_days.dpd = 0
                then 1
            else 0
        end) as cured
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    left join first_reached_30 on contract_days.contract_id = first_reached_30.contract_id
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
        outcomes.max_dpd,
        coalesce(outcomes.max_dpd >= 30, false) as has_reached_30_dpd,
        outcomes.first_payment_default = 1 as is_first_payment_default,
        coalesce(outcomes.cured = 1, false) as is_cured
    from contracts
    left join latest on contracts.contract_id = latest.contract_id
    left join outcomes on contracts.contract_id = outcomes.contract_id
)

select * from final
