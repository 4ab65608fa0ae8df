-- No installment receives more than its amount: FIFO fills each installment exactly once.
with allocated as (
    select
        contract_id,
        installment_number,
        sum(allocated_mxn) as allocated_mxn
    from {{ ref('int_lending__payment_allocations') }}
    group by 1, 2
)

select
    allocated.contract_id,
    allocated.installment_number,
    allocated.allocated_mxn,
    installments.amount_mxn
from allocated
left join {{ ref('int_lending__installments') }} as installments
    on
        allocated.contract_id = installments.contract_id
        and allocated.installment_number = installments.installment_number
where installments.amount_mxn is null or allocated.allocated_mxn > installments.amount_mxn
