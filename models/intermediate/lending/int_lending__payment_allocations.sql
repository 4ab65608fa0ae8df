{#- FIFO allocation (docs/design.md, "Metric definitions"): counted payments, in paid_at order, fill installments
    oldest first; money beyond what is due prepays the next installments. Payment j covers the money interval
    (paid before j, paid through j]; installment k covers (cumulative due before k, cumulative due through k];
    the allocation is their overlap. Money beyond the contract value is not allocated. -#}
with payments as (
    select
        payment_id,
        contract_id,
        paid_at,
        paid_date,
        amount_mxn
    from {{ ref('int_lending__payments') }}
    where is_counted
),

installments as (
    select
        contract_id,
        installment_number,
        due_date,
        amount_mxn,
        cumulative_due_mxn
    from {{ ref('int_lending__installments') }}
),

payment_intervals as (
    select
        payment_id,
        contract_id,
        paid_at,
        paid_date,
        amount_mxn,
        sum(amount_mxn) over (
            partition by contract_id
            order by paid_at, payment_id
            rows between unbounded preceding and current row
        ) as paid_through_mxn
    from payments
),

allocated as (
    select
        payment_intervals.payment_id,
        payment_intervals.contract_id,
        payment_intervals.paid_at,
        payment_intervals.paid_date,
        installments.installment_number,
        installments.due_date,
        installments.cumulative_due_mxn,
        payment_intervals.paid_through_mxn,
        least(payment_intervals.paid_through_mxn, installments.cumulative_due_mxn)
        - greatest(
            payment_intervals.paid_through_mxn - payment_intervals.amount_mxn,
            installments.cumulative_due_mxn - installments.amount_mxn
        ) as allocated_mxn
    from payment_intervals
    inner join installments
        on
            payment_intervals.contract_id = installments.contract_id
            and payment_intervals.paid_through_mxn - payment_intervals.amount_mxn < installments.cumulative_due_mxn
            and payment_intervals.paid_through_mxn > installments.cumulative_due_mxn - installments.amount_mxn
),

final as (
    select
        payment_id,
        contract_id,
        installment_number,
        paid_at,
        paid_date,
        due_date,
        cast(allocated_mxn as {{ type_money() }}) as allocated_mxn,
        -- This payment completes the installment.
        paid_through_mxn >= cumulative_due_mxn as is_installment_paid_off
    from allocated
)

select * from final
