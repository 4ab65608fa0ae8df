{#- One row per LTO contract: its terms (int_lending__contracts), its latest state (frozen at close: the state on its
    close date when closed by the as-of date; int_lending__contract_days) and its credit outcomes to date
    (int_lending__contract_outcomes, where the outcome rules live). -#}
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
        {{ as_of_date() }} as data_through_date
    from {{ ref('int_lending__contracts') }}
),

contract_days as (
    select
        contract_id,
        date_day,
        dpd,
        outstanding_mxn,
        arrears_mxn,
        is_in_portfolio,
        exit_state
    from {{ ref('int_lending__contract_days') }}
),

outcomes as (
    select
        contract_id,
        max_dpd,
        first_30_dpd_date,
        first_60_dpd_date,
        has_reached_30_dpd,
        has_reached_60_dpd,
        is_first_payment_default,
        cured_date,
        is_cured,
        written_off_date,
        written_off_mxn
    from {{ ref('int_lending__contract_outcomes') }}
),

latest as (
    select
        contract_days.contract_id,
        contract_days.date_day,
        contract_days.dpd,
        {{ dpd_bucket('contract_days.dpd') }} as dpd_bucket,
        contract_days.outstanding_mxn,
        contract_days.arrears_mxn
    from contract_days
    inner join contracts on contract_days.contract_id = contracts.contract_id
    where
        contract_days.date_day = case
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
    where contract_days.date_day = contracts.data_through_date
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
        latest.date_day as state_date,
        latest.dpd,
        latest.dpd_bucket,
        latest.outstanding_mxn,
        latest.arrears_mxn,
        on_as_of.is_in_portfolio,
        on_as_of.exit_state,
        outcomes.max_dpd,
        outcomes.first_30_dpd_date,
        outcomes.first_60_dpd_date,
        outcomes.has_reached_30_dpd,
        outcomes.has_reached_60_dpd,
        outcomes.is_first_payment_default,
        outcomes.cured_date,
        outcomes.is_cured,
        outcomes.written_off_date,
        outcomes.written_off_mxn,
        contracts.data_through_date
    from contracts
    left join latest on contracts.contract_id = latest.contract_id
    left join on_as_of on contracts.contract_id = on_as_of.contract_id
    left join outcomes on contracts.contract_id = outcomes.contract_id
)

select * from final
