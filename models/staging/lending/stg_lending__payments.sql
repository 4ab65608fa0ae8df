with source as (
    {{ latest_loaded(source('lending', 'payments'), 'payment_id', exported_at='exported_at') }}
),

final as (
    select
        trim(payment_id) as payment_id,
        trim(contract_id) as contract_id,
        {{ parse_utc_timestamp('paid_at') }} as paid_at,
        -- The processor exports UTC; a payment belongs to the local day it was made.
        {{ local_date(parse_utc_timestamp('paid_at')) }} as paid_date,
        cast(amount_mxn as {{ type_money() }}) as amount_mxn,
        {{ clean_category('method') }} as method,
        {{ clean_category('status') }} as status,
        -- when the export holding this row was cut (else its file's load time): the as-of date reads it
        coalesce({{ parse_utc_timestamp(clean_text('exported_at')) }}, _loaded_at) as exported_at
    from source
)

select * from final
