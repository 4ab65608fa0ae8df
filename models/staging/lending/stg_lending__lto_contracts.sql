with source as (
    {{ latest_loaded(source('lending', 'lto_contracts'), 'contract_id') }}
),

final as (
    select
        trim(contract_id) as contract_id,
        trim(application_id) as application_id,
        trim(driver_id) as driver_id,
        trim(vehicle_id) as vehicle_id,
        {{ parse_utc_timestamp('signed_at') }} as signed_at,
        {{ local_date(parse_utc_timestamp('signed_at')) }} as signed_date,
        cast(trim(first_due_date) as date) as first_due_date,
        cast(term_weeks as {{ dbt.type_int() }}) as term_weeks,
        cast(weekly_payment_mxn as {{ type_money() }}) as weekly_payment_mxn,
        cast(down_payment_mxn as {{ type_money() }}) as down_payment_mxn,
        cast(
            cast(term_weeks as {{ dbt.type_int() }}) * cast(weekly_payment_mxn as {{ type_money() }})
            as {{ type_money() }}
        ) as contract_value_mxn,
        {{ clean_category('status') }} as status,
        {{ parse_utc_timestamp(clean_text('closed_at')) }} as closed_at,
        {{ local_date(parse_utc_timestamp(clean_text('closed_at'))) }} as closed_date
    from source
)

select * from final
