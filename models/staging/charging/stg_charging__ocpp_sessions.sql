with source as (
    {{ latest_loaded(source('charging', 'charging_sessions'), 'session_id') }}
),

final as (
    select
        trim(session_id) as ocpp_session_id,
        trim(station_id) as station_id,
        -- LAFA's own chargers are named DEP-* (older exports: DEPOT-*); every other station is a public network
        case
            when upper(trim(station_id)) like 'DEP-%' or upper(trim(station_id)) like 'DEPOT-%' then 'depot'
            else 'public'
        end as location_type,
        {{ clean_category('connector_type') }} as charger_type,
        {{ clean_text('id_tag') }} as id_tag,
        {{ clean_text('vehicle_id') }} as vehicle_id,
        {{ parse_utc_timestamp('started_at') }} as started_at,
        {{ parse_utc_timestamp('stopped_at') }} as stopped_at,
        (cast(meter_stop_wh as {{ type_double() }}) - cast(meter_start_wh as {{ type_double() }}))
        / 1000.0 as energy_grid_kwh,
        cast(price_mxn as {{ type_money() }}) as price_mxn
    from source
)

select * from final
