-- Per contract: money allocated to installments = succeeded payments, capped at what the schedule holds (the
-- contract value, or for a closed contract the installments due by its close date).
with paid as (
    select
        contract_id,
        sum(amount_mxn) as paid_mxn
    from {{ ref('stg_lending__payments') }}
    where status = 'succeeded'
    group by 1
),

scheduled as (
    select
        contract_id,
        sum(amount_mxn) as scheduled_mxn
    from {{ ref('int_lending__installments') }}
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
    scheduled.scheduled_mxn,
    allocated.allocated_mxn
from {{ ref('stg_lending__lto_contracts') }} as contracts
left join paid on contracts.contract_id = paid.contract_id
left join scheduled on contracts.contract_id = scheduled.contract_id
left join allocated on contracts.contract_id = allocated.contract_id
where
    coalesce(allocated.allocated_mxn, 0)
    != case
        when coalesce(paid.paid_mxn, 0) > coalesce(scheduled.scheduled_mxn, 0) then coalesce(scheduled.scheduled_mxn, 0)
        else coalesce(paid.paid_mxn, 0)
    end
