with source as (
    {{ latest_loaded(source('lending', 'drivers'), 'driver_id') }}
),

final as (
    select
        trim(driver_id) as driver_id,
        -- Personal data stops here: name, phone and CURP go no further, not even hashed (an unkeyed digest of a
        -- phone is reversed in seconds by enumerating numbers). Keyed tokens for matching are issue 19's work.
        {{ parse_utc_timestamp('onboarded_at') }} as onboarded_at,
        {{ clean_category('home_zone_id') }} as home_zone_id
    from source
)

select * from final
