{#- The payments the lending models count: those whose contract is in the contracts export. The payments export
    can run ahead of the contracts export (a new contract's first payment arrives first); such payments wait in
    staging, counted by the warning relationships test on stg_lending__payments.contract_id, and join the
    marts on the first build after their contract arrives. Only a succeeded payment counts (is_counted, the one place
    of that rule): failed and reversed ones stay visible for collections reporting. -#}
with payments as (
    select
        payment_id,
        contract_id,
        paid_at,
        paid_date,
        amount_mxn,
        method,
        status
    from {{ ref('stg_lending__payments') }}
),

contracts as (
    select contract_id
    from {{ ref('stg_lending__lto_contracts') }}
),

final as (
    select
        payments.payment_id,
        payments.contract_id,
        payments.paid_at,
        payments.paid_date,
        payments.amount_mxn,
        payments.method,
        payments.status,
        payments.status = 'succeeded' as is_counted
    from payments
    inner join contracts on payments.contract_id = contracts.contract_id
)

select * from final
