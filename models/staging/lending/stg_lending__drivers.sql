with source as (
    {{ latest_loaded(source('lending', 'drivers'), 'driver_id') }}
),

final as (
    select
        trim(driver_id) as driver_id,
        -- No name, phone or CURP ever reaches the warehouse: the loader keeps keyed HMAC-SHA256 tokens of the
        -- normalised phone and CURP (docs/privacy.md). Never an unkeyed digest: a phone is found by enumeration.
        phone_token,
        curp_token,
        {{ parse_utc_timestamp('onboarded_at') }} as onboarded_at,
        {{ clean_category('home_zone_id') }} as home_zone_id
    from source
)

select * from final
