-- Per contract: money allocated to installments = succeeded payments, capped at the contract value.
with paid as (
    select
        contract_id,
        sum(amount_mxn) as paid_mxn
    from {{ ref('stg_lending__payments') }}
    where status = 'succeeded'
    group by 1
),

allocated as (
    select
        contract_id,
        sum(allocated_mxn) as allocated_mxn
    from {{ ref('int_lending__payment_allocations') }}
    group by 1
)

select
    contracts.contract_id,
    paid.paid_mxn,
    allocated.allocated_mxn
from {{ ref('stg_lending__lto_contracts') }} as contracts
left join paid on contracts.contract_id = paid.contract_id
left join allocated on contracts.contract_id = allocated.contract_id
where
    coalesce(allocated.allocated_mxn, 0)
    != case
        when coalesce(paid.paid_mxn, 0) > contracts.contract_value_mxn then contracts.contract_value_mxn
        else coalesce(paid.paid_mxn, 0)
    end
