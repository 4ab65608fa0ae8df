{#- Collections per ISO week (Monday start): installments falling due that week on contracts active on their
    due date (installments after a contract closed are not collectible), succeeded payments received that
    week, collection rate = paid / due, and the payment-method mix of the money received. -#}
with installments as (
    select
        contract_id,
        due_date,
        amount_mxn
    from {{ ref('int_lending__installments') }}
    where due_date <= {{ as_of_date() }}
),

contracts as (
    select
        contract_id,
        signed_date,
        closed_date
    from {{ ref('int_lending__contracts') }}
),

payments as (
    select
        {{ week_start('paid_date') }} as week_start,
        method,
        status,
        is_counted,
        amount_mxn
    from {{ ref('int_lending__payments') }}
    where paid_date <= {{ as_of_date() }}
),

collectible as (
    select
        {{ week_start('installments.due_date') }} as week_start,
        installments.amount_mxn
    from installments
    inner join contracts on installments.contract_id = contracts.contract_id
    where
        contracts.signed_date <= installments.due_date
        and (contracts.closed_date is null or contracts.closed_date >= installments.due_date)
),

due as (
    select
        week_start,
        sum(amount_mxn) as due_mxn
    from collectible
    group by 1
),

paid as (
    select
        week_start,
        sum(case when is_counted then amount_mxn else 0 end) as paid_mxn,
        sum(case when is_counted then 1 else 0 end) as payments_succeeded,
        sum(case when status = 'failed' then 1 else 0 end) as payments_failed,
        sum(case when status = 'reversed' then 1 else 0 end) as payments_reversed,
        sum(case when is_counted and method = 'oxxo' then amount_mxn else 0 end) as oxxo_mxn,
        sum(case when is_counted and method = 'spei' then amount_mxn else 0 end) as spei_mxn,
        sum(case when is_counted and method = 'card' then amount_mxn else 0 end) as card_mxn,
        sum(case when is_counted and method = 'cash' then amount_mxn else 0 end) as cash_mxn
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
        round(coalesce(paid.paid_mxn, 0) / nullif(due.due_mxn, 0), 6) as collection_rate,
        coalesce(paid.payments_succeeded, 0) as payments_succeeded,
        coalesce(paid.payments_failed, 0) as payments_failed,
        coalesce(paid.payments_reversed, 0) as payments_reversed,
        round(paid.oxxo_mxn / nullif(paid.paid_mxn, 0), 6) as oxxo_share,
        round(paid.spei_mxn / nullif(paid.paid_mxn, 0), 6) as spei_share,
        round(paid.card_mxn / nullif(paid.paid_mxn, 0), 6) as card_share,
        round(paid.cash_mxn / nullif(paid.paid_mxn, 0), 6) as cash_share
    from weeks
    left join due on weeks.week_start = due.week_start
    left join paid on weeks.week_start = paid.week_start
)

select * from final
