with source as (
    {{ latest_loaded(source('lending', 'drivers'), 'driver_id') }}
),

final as (
    select
        trim(driver_id) as driver_id,
        -- Personal data stops here: only keyed hashes go on (CURP identifies a person across ids).
        {{ dbt.hash(clean_category('curp')) }} as curp_hash,
        {{ dbt.hash("regexp_replace(phone, '[^0-9]', '')") }} as phone_hash,
        {{ parse_utc_timestamp('onboarded_at') }} as onboarded_at,
        {{ clean_category('home_zone_id') }} as home_zone_id
    from source
)

select * from final
