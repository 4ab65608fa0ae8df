{#- One row per LTO contract and local date from signature to the as-of date: its state at the end of the day
    (the rules live in int_lending__contract_days; the bucket rule in the dpd_bucket macro). -#}
with contract_days as (
    select
        contract_id,
        date_day,
        is_in_portfolio,
        exit_state,
        written_off_mxn,
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
        is_in_portfolio,
        exit_state,
        written_off_mxn,
        {{ as_of_date() }} as data_through_date
    from contract_days
)

select * from final
