with contract_days as (
    select
        contract_id,
        date_day,
        is_active,
        dpd,
        oldest_unpaid_due_date,
        installments_paid,
        paid_to_date_mxn,
        due_to_date_mxn,
        arrears_mxn,
        outstanding_mxn
    from {{ ref('int_lending__contract_days') }}
),

final as (
    select
        contract_id,
        date_day as as_of_date,
        dpd,
        {{ dpd_bucket('dpd') }} as dpd_bucket,
        arrears_mxn,
        outstanding_mxn,
        paid_to_date_mxn,
        due_to_date_mxn,
        installments_paid,
        oldest_unpaid_due_date,
        is_active
    from contract_days
)

select * from final
