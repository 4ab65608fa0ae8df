{#- The state of every contract at the end of every local day (DESIGN.md section 4, literally):
    - DPD on t: t - due_date of the oldest installment due on or before t not fully paid by end of t; else 0.
      FIFO allocation pays installments in order, so that installment is number (installments paid off) + 1.
    - Arrears on t: amount due on or before t minus payments to date, floored at 0.
    - Outstanding on t: term_weeks * weekly_payment_mxn minus payments to date, floored at 0.
    - Active on t: signed on or before t and not closed before t. -#}
with contracts as (
    select
        contract_id,
        signed_date,
        closed_date,
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
    from {{ ref('stg_lending__payments') }}
    where status = 'succeeded'
),

contract_days as (
    select
        contracts.contract_id,
        calendar.date_day,
        contracts.signed_date,
        contracts.closed_date,
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

final as (
    select
        running.contract_id,
        running.date_day,
        running.signed_date <= running.date_day
        and (running.closed_date is null or running.closed_date >= running.date_day) as is_active,
        case
            when oldest_unpaid.due_date < running.date_day
                then {{ dbt.datediff('oldest_unpaid.due_date', 'running.date_day', 'day') }}
            else 0
        end as dpd,
        oldest_unpaid.due_date as oldest_unpaid_due_date,
        cast(running.installments_paid as {{ dbt.type_int() }}) as installments_paid,
        cast(running.paid_to_date_mxn as {{ type_money() }}) as paid_to_date_mxn,
        cast(running.due_to_date_mxn as {{ type_money() }}) as due_to_date_mxn,
        cast(greatest(running.due_to_date_mxn - running.paid_to_date_mxn, 0) as {{ type_money() }}) as arrears_mxn,
        cast(
            greatest(running.contract_value_mxn - running.paid_to_date_mxn, 0) as {{ type_money() }}
        ) as outstanding_mxn
    from running
    left join installments as oldest_unpaid
        on
            running.contract_id = oldest_unpaid.contract_id
            and running.installments_paid + 1 = oldest_unpaid.installment_number
)

select * from final
