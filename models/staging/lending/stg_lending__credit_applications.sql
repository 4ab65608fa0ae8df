with source as (
    {{ latest_loaded(source('lending', 'credit_applications'), 'application_id') }}
),

final as (
    select
        trim(application_id) as application_id,
        trim(driver_id) as driver_id,
        {{ parse_utc_timestamp('applied_at') }} as applied_at,
        {{ local_date(parse_utc_timestamp('applied_at')) }} as applied_date,
        {{ clean_category('platform') }} as platform,
        cast(platform_tenure_months as {{ dbt.type_int() }}) as platform_tenure_months,
        cast(platform_rating as {{ type_double() }}) as platform_rating,
        cast(weekly_earnings_mxn as {{ type_money() }}) as weekly_earnings_mxn,
        {{ clean_category('decision') }} as decision
    from source
)

select * from final
