{#- The state of every contract at the end of every local day, from signature to the as-of date (docs/lending.md,
    "Definitions"; the one place of these rules):
    - DPD on t: t - due_date of the oldest installment due on or before t not fully paid by end of t; else 0.
      FIFO allocation pays installments in order, so that installment is number (installments paid off) + 1.
      Installments after a close date never fall due (int_lending__installments).
    - Arrears on t: amount due on or before t minus payments to date, floored at 0.
    - Outstanding on t: term_weeks * weekly_payment_mxn minus payments to date, floored at 0 (contract value with
      the financing margin, not principal).
    - In portfolio on t: signed on or before t, and none of: completed before t; terminated before t with no
      arrears at its close (a cancellation); written off before t. A contract terminated with arrears (a
      repossession) stays, its schedule frozen at close (later payments still count), DPD aging, until written off.
    - Write-off: the first in-portfolio day DPD reaches var write_off_dpd; that day's outstanding is written off.
    - Exit state once out of the portfolio: completed, cancelled or written_off. -#}
with contracts as (
    select
        contract_id,
        signed_date,
        closed_date,
        status,
        contract_value_mxn
    from {{ ref('stg_lending__lto_contracts') }}
),

calendar as (
    select date_day from {{ ref('int_lending__calendar_days') }}
),

installments as (
    select
        contract_id,
        installment_number,
        due_date,
        amount_mxn
    from {{ ref('int_lending__installments') }}
),

allocations as (
    select
        contract_id,
        paid_date,
        is_installment_paid_off
    from {{ ref('int_lending__payment_allocations') }}
),

payments as (
    select
        contract_id,
        paid_date,
        amount_mxn
    from {{ ref('int_lending__payments') }}
    where is_counted
),

contract_days as (
    select
        contracts.contract_id,
        calendar.date_day,
        contracts.signed_date,
        contracts.closed_date,
        contracts.status,
        contracts.contract_value_mxn
    from contracts
    inner join calendar
        on contracts.signed_date <= calendar.date_day
),

-- Money paid before the signature date counts from the first day of the contract.
daily_paid as (
    select
        payments.contract_id,
        greatest(payments.paid_date, contracts.signed_date) as date_day,
        sum(payments.amount_mxn) as paid_mxn
    from payments
    inner join contracts on payments.contract_id = contracts.contract_id
    group by 1, 2
),

daily_paid_off as (
    select
        allocations.contract_id,
        greatest(allocations.paid_date, contracts.signed_date) as date_day,
        count(*) as installments_paid_off
    from allocations
    inner join contracts on allocations.contract_id = contracts.contract_id
    where allocations.is_installment_paid_off
    group by 1, 2
),

daily_due as (
    select
        contract_id,
        due_date as date_day,
        sum(amount_mxn) as due_mxn
    from installments
    group by 1, 2
),

-- One row per contract and day with any money or installment event: one join onto the contract-day grid.
daily_events as (
    select
        contract_id,
        date_day,
        sum(paid_mxn) as paid_mxn,
        sum(due_mxn) as due_mxn,
        sum(installments_paid_off) as installments_paid_off
    from (
        select
            contract_id,
            date_day,
            paid_mxn,
            0 as due_mxn,
            0 as installments_paid_off
        from daily_paid
        union all
        select
            contract_id,
            date_day,
            0 as paid_mxn,
            due_mxn,
            0 as installments_paid_off
        from daily_due
        union all
        select
            contract_id,
            date_day,
            0 as paid_mxn,
            0 as due_mxn,
            installments_paid_off
        from daily_paid_off
    ) as events
    group by 1, 2
),

running as (
    select
        contract_days.contract_id,
        contract_days.date_day,
        contract_days.signed_date,
        contract_days.closed_date,
        contract_days.status,
        contract_days.contract_value_mxn,
        sum(coalesce(daily_events.paid_mxn, 0)) over contract_to_date as paid_to_date_mxn,
        sum(coalesce(daily_events.due_mxn, 0)) over contract_to_date as due_to_date_mxn,
        sum(coalesce(daily_events.installments_paid_off, 0)) over contract_to_date as installments_paid
    from contract_days
    left join daily_events
        on contract_days.contract_id = daily_events.contract_id and contract_days.date_day = daily_events.date_day
    window contract_to_date as (
        partition by contract_days.contract_id
        order by contract_days.date_day
        rows between unbounded preceding and current row
    )
),

states as (
    select
        running.contract_id,
        running.date_day,
        running.closed_date,
        running.status,
        case
            when oldest_unpaid.due_date < running.date_day
                then {{ dbt.datediff('oldest_unpaid.due_date', 'running.date_day', 'day') }}
            else 0
        end as dpd,
        oldest_unpaid.due_date as oldest_unpaid_due_date,
        running.installments_paid,
        running.paid_to_date_mxn,
        running.due_to_date_mxn,
        greatest(running.due_to_date_mxn - running.paid_to_date_mxn, 0) as arrears_mxn,
        greatest(running.contract_value_mxn - running.paid_to_date_mxn, 0) as outstanding_mxn
    from running
    left join installments as oldest_unpaid
        on
            running.contract_id = oldest_unpaid.contract_id
            and running.installments_paid + 1 = oldest_unpaid.installment_number
),

close_days as (
    select
        contract_id,
        arrears_mxn
    from states
    where date_day = closed_date
),

-- before any write-off: completed, or terminated with no arrears at close, before the day takes a contract out
exits_by_close as (
    select
        states.*,
        case
            when states.closed_date >= states.date_day or states.closed_date is null then null
            when states.status = 'completed' then 'completed'
            when states.status = 'terminated' and close_days.arrears_mxn = 0 then 'cancelled'
        end as close_exit_state
    from states
    left join close_days on states.contract_id = close_days.contract_id
),

write_offs as (
    select
        contract_id,
        min(date_day) as written_off_date
    from exits_by_close
    where
        close_exit_state is null
        and dpd >= {{ var('write_off_dpd') }}
    group by 1
),

final as (
    select
        exits_by_close.contract_id,
        exits_by_close.date_day,
        case
            when exits_by_close.close_exit_state is not null then exits_by_close.close_exit_state
            when write_offs.written_off_date < exits_by_close.date_day then 'written_off'
        end as exit_state,
        exits_by_close.close_exit_state is null
        and coalesce(write_offs.written_off_date >= exits_by_close.date_day, true) as is_in_portfolio,
        cast(
            case
                when write_offs.written_off_date = exits_by_close.date_day then exits_by_close.outstanding_mxn
                else 0
            end as {{ type_money() }}
        ) as written_off_mxn,
        exits_by_close.dpd,
        exits_by_close.oldest_unpaid_due_date,
        cast(exits_by_close.installments_paid as {{ dbt.type_int() }}) as installments_paid,
        cast(exits_by_close.paid_to_date_mxn as {{ type_money() }}) as paid_to_date_mxn,
        cast(exits_by_close.due_to_date_mxn as {{ type_money() }}) as due_to_date_mxn,
        cast(exits_by_close.arrears_mxn as {{ type_money() }}) as arrears_mxn,
        cast(exits_by_close.outstanding_mxn as {{ type_money() }}) as outstanding_mxn
    from exits_by_close
    left join write_offs on exits_by_close.contract_id = write_offs.contract_id
)

select * from final
