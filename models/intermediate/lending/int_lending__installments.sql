{#- The LTO schedule (docs/lending.md): installment k of term_weeks is due on first_due_date + 7*(k-1) days, for
    weekly_payment_mxn. Only installments due on or before the contract's close date (if closed) ever fall due:
    the rest are not in the schedule. cumulative_due_mxn is what is owed once installment k is due. -#}
with contracts as (
    select
        contract_id,
        first_due_date,
        term_weeks,
        weekly_payment_mxn,
        closed_date
    from {{ ref('stg_lending__lto_contracts') }}
),

installment_numbers as (
    {{ dbt.generate_series(var('lto_max_term_weeks')) }}
),

schedule as (
    select
        contracts.contract_id,
        contracts.closed_date,
        cast(installment_numbers.generated_number as {{ dbt.type_int() }}) as installment_number,
        cast(
            {{ dbt.dateadd('day', '7 * (installment_numbers.generated_number - 1)', 'contracts.first_due_date') }}
            as date
        ) as due_date,
        contracts.weekly_payment_mxn as amount_mxn,
        cast(
            installment_numbers.generated_number * contracts.weekly_payment_mxn as {{ type_money() }}
        ) as cumulative_due_mxn
    from contracts
    inner join installment_numbers
        on contracts.term_weeks >= installment_numbers.generated_number
),

final as (
    select
        contract_id,
        installment_number,
        due_date,
        amount_mxn,
        cumulative_due_mxn
    from schedule
    where due_date <= coalesce(closed_date, due_date)
)

select * from final
