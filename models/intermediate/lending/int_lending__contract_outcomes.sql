{#- One row per LTO contract: its credit outcomes to the as-of date (the outcome rules live here; docs/lending.md):
    - reached 30+ / 60+ DPD: DPD > 30 / > 60 on a day in the portfolio ("30+" means DPD > 30 everywhere);
    - first-payment default: installment 1 not fully paid by end of first_due_date + 30; null when that day is
      after the as-of date or the contract closed before it (a cancellation): such contracts are in no FPD
      denominator;
    - cured: reached 30+ DPD and back to DPD 0 on a later day in the portfolio within var cure_window_days (84)
      of first reaching it; null while that window has not elapsed;
    - written off: the day and amount from int_lending__contract_days. -#}
with contracts as (
    select
        contract_id,
        first_due_date,
        closed_date
    from {{ ref('int_lending__contracts') }}
),

contract_days as (
    select
        contract_id,
        date_day,
        dpd,
        installments_paid,
        is_in_portfolio,
        written_off_mxn
    from {{ ref('int_lending__contract_days') }}
),

milestones as (
    select
        contract_id,
        min(case when dpd > 30 and is_in_portfolio then date_day end) as first_30_dpd_date,
        min(case when dpd > 60 and is_in_portfolio then date_day end) as first_60_dpd_date,
        max(case when is_in_portfolio then dpd end) as max_dpd,
        min(case when written_off_mxn > 0 then date_day end) as written_off_date,
        sum(written_off_mxn) as written_off_mxn
    from contract_days
    group by 1
),

first_payment as (
    select
        contract_days.contract_id,
        contract_days.installments_paid = 0 as is_first_payment_default
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    where
        contract_days.date_day = {{ dbt.dateadd('day', 30, 'contracts.first_due_date') }}
        and (contracts.closed_date is null or contracts.closed_date >= contract_days.date_day)
),

cures as (
    select
        contract_days.contract_id,
        min(contract_days.date_day) as cured_date
    from contract_days
    inner join milestones on contract_days.contract_id = milestones.contract_id
    where
        contract_days.is_in_portfolio
        and contract_days.dpd = 0
        and contract_days.date_day > milestones.first_30_dpd_date
        and contract_days.date_day
        <= {{ dbt.dateadd('day', var('cure_window_days'), 'milestones.first_30_dpd_date') }}
    group by 1
),

final as (
    select
        contracts.contract_id,
        milestones.max_dpd,
        milestones.first_30_dpd_date,
        milestones.first_60_dpd_date,
        milestones.first_30_dpd_date is not null as has_reached_30_dpd,
        milestones.first_60_dpd_date is not null as has_reached_60_dpd,
        first_payment.is_first_payment_default,
        cures.cured_date,
        case
            when milestones.first_30_dpd_date is null then null
            when cures.cured_date is not null then true
            when
                {{ dbt.dateadd('day', var('cure_window_days'), 'milestones.first_30_dpd_date') }}
                <= {{ as_of_date() }}
                then false
        end as is_cured,
        milestones.written_off_date,
        cast(coalesce(milestones.written_off_mxn, 0) as {{ type_money() }}) as written_off_mxn
    from contracts
    left join milestones on contracts.contract_id = milestones.contract_id
    left join first_payment on contracts.contract_id = first_payment.contract_id
    left join cures on contracts.contract_id = cures.contract_id
)

select * from final
