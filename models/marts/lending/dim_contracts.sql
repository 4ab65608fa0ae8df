{#- One row per LTO contract: terms, its latest state (frozen at close: the state on its close date when closed by
    the as-of date) and its credit outcomes to date (the outcome rules live here; docs/lending.md):
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
        closed_date,
        {{ lending_as_of_date() }} as data_through_date
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
        is_in_portfolio,
        exit_state,
        written_off_mxn
    from {{ ref('fct_lto_contract_daily') }}
),

outcomes as (
    select
        contract_id,
        min(case when dpd > 30 and is_in_portfolio then as_of_date end) as first_30_dpd_date,
        min(case when dpd > 60 and is_in_portfolio then as_of_date end) as first_60_dpd_date,
        max(case when is_in_portfolio then dpd end) as max_dpd,
        min(case when written_off_mxn > 0 then as_of_date end) as written_off_date,
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
        contract_days.as_of_date = {{ dbt.dateadd('day', 30, 'contracts.first_due_date') }}
        and (contracts.closed_date is null or contracts.closed_date >= contract_days.as_of_date)
),

cures as (
    select
        contract_days.contract_id,
        min(contract_days.as_of_date) as cured_date
    from contract_days
    inner join outcomes on contract_days.contract_id = outcomes.contract_id
    where
        contract_days.is_in_portfolio
        and contract_days.dpd = 0
        and contract_days.as_of_date > outcomes.first_30_dpd_date
        and contract_days.as_of_date
        <= {{ dbt.dateadd('day', var('cure_window_days'), 'outcomes.first_30_dpd_date') }}
    group by 1
),

latest as (
    select
        contract_days.contract_id,
        contract_days.as_of_date,
        contract_days.dpd,
        contract_days.dpd_bucket,
        contract_days.outstanding_mxn,
        contract_days.arrears_mxn
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    where
        contract_days.as_of_date = case
            when contracts.closed_date <= contracts.data_through_date then contracts.closed_date
            else contracts.data_through_date
        end
),

-- in the portfolio on the as-of date, or the exit taken (completed, cancelled, written_off)
on_as_of as (
    select
        contract_days.contract_id,
        contract_days.is_in_portfolio,
        contract_days.exit_state
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    where contract_days.as_of_date = contracts.data_through_date
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
        latest.as_of_date as state_date,
        latest.dpd,
        latest.dpd_bucket,
        latest.outstanding_mxn,
        latest.arrears_mxn,
        on_as_of.is_in_portfolio,
        on_as_of.exit_state,
        outcomes.max_dpd,
        outcomes.first_30_dpd_date,
        outcomes.first_60_dpd_date,
        outcomes.first_30_dpd_date is not null as has_reached_30_dpd,
        outcomes.first_60_dpd_date is not null as has_reached_60_dpd,
        first_payment.is_first_payment_default,
        cures.cured_date,
        case
            when outcomes.first_30_dpd_date is null then null
            when cures.cured_date is not null then true
            when
                {{ dbt.dateadd('day', var('cure_window_days'), 'outcomes.first_30_dpd_date') }}
                <= contracts.data_through_date
                then false
        end as is_cured,
        outcomes.written_off_date,
        cast(coalesce(outcomes.written_off_mxn, 0) as {{ type_money() }}) as written_off_mxn,
        contracts.data_through_date
    from contracts
    left join latest on contracts.contract_id = latest.contract_id
    left join on_as_of on contracts.contract_id = on_as_of.contract_id
    left join outcomes on contracts.contract_id = outcomes.contract_id
    left join first_payment on contracts.contract_id = first_payment.contract_id
    left join cures on contracts.contract_id = cures.contract_id
)

select * from final
