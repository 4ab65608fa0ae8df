with source as (
    {#- one event per vehicle, instant and code, however the export wrote them (offset, spaces, case) -#}
    {{ latest_loaded(
        source('maintenance', 'diagnostic_codes'),
        ['trim(vehicle_id)', parse_utc_timestamp('recorded_at'), 'upper(trim(code))']
    ) }}
),

final as (
    select
        trim(vehicle_id) as vehicle_id,
        {{ parse_utc_timestamp('recorded_at') }} as recorded_at,
        {{ local_date(parse_utc_timestamp('recorded_at')) }} as recorded_date,
        upper(trim(code)) as code,
        {{ clean_category('severity') }} as severity
    from source
)

select * from final
