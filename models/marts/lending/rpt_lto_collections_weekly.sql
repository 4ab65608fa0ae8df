{#- Collections per week (Monday start): installments due that week, succeeded payments received that week,
    collection rate = paid / due, and the payment-method mix of the money received. -#}
with installments as (
    select
        {{ week_start('due_date') }} as week_start,
        amount_mxn
    from {{ ref('int_lending__installments') }}
    where due_date <= {{ lending_as_of_date() }}
),

payments as (
    select
        {{ week_start('paid_date') }} as week_start,
        method,
        status,
        amount_mxn
    from {{ ref('stg_lending__payments') }}
),

due as (
    select
        week_start,
        sum(amount_mxn) as due_mxn
    from installments
    group by 1
),

paid as (
    select
        week_start,
        sum(case when status = 'succeeded' then amount_mxn else 0 end) as paid_mxn,
        sum(case when status = 'succeeded' then 1 else 0 end) as payments_succeeded,
        sum(case when status = 'failed' then 1 else 0 end) as payments_failed,
        sum(case when status = 'reversed' then 1 else 0 end) as payments_reversed,
        sum(case when status = 'succeeded' and method = 'oxxo' then amount_mxn else 0 end) as oxxo_mxn,
        sum(case when status = 'succeeded' and method = 'spei' then amount_mxn else 0 end) as spei_mxn,
        sum(case when status = 'succeeded' and method = 'card' then amount_mxn else 0 end) as card_mxn,
        sum(case when status = 'succeeded' and method = 'cash' then amount_mxn else 0 end) as cash_mxn
    from payments
    group by 1
),

weeks as (
    select week_start from due
    union distinct
    select week_start from paid
),

final as (
    select
        weeks.week_start,
        cast(coalesce(due.due_mxn, 0) as {{ type_money() }}) as due_mxn,
        cast(coalesce(paid.paid_mxn, 0) as {{ type_money() }}) as paid_mxn,
        round(paid.paid_mxn / nullif(due.due_mxn, 0), 4) as collection_rate,
        coalesce(paid.payments_succeeded, 0) as payments_succeeded,
        coalesce(paid.payments_failed, 0) as payments_failed,
        coalesce(paid.payments_reversed, 0) as payments_reversed,
        round(paid.oxxo_mxn / nullif(paid.paid_mxn, 0), 4) as oxxo_share,
        round(paid.spei_mxn / nullif(paid.paid_mxn, 0), 4) as spei_share,
        round(paid.card_mxn / nullif(paid.paid_mxn, 0), 4) as card_share,
        round(paid.cash_mxn / nullif(paid.paid_mxn, 0), 4) as cash_share
    from weeks
    left join due on weeks.week_start = due.week_start
    left join paid on weeks.week_start = paid.week_start
)

select * from final
