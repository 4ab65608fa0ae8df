{{ config(
    materialized='incremental',
    incremental_strategy=('merge' if target.type == 'bigquery' else 'append'),
    partition_by=({'field': 'recorded_date', 'data_type': 'date'} if target.type == 'bigquery' else none),
    cluster_by=(['vehicle_id'] if target.type == 'bigquery' else none),
    on_schema_change='fail',
) }}
{#- Incremental on load time: each run reads only rows loaded since the last one, so the raw pings are
    scanned once. Pub/Sub delivers at least once: the first delivery of a messageId is kept (later
    deliveries carry the same payload and are skipped, also across runs). -#}
with source as (
    select * from {{ source('telematics', 'telematics') }}
    {% if is_incremental() %}
        where _loaded_at > (select max(this_run.loaded_at) from {{ this }} as this_run)
    {% endif %}
),

first_delivery as (
    select
        *,
        row_number() over (
            partition by message_id
            order by publish_time, _loaded_at, _file, _row_number
        ) as delivery_rank
    from source
),

final as (
    select
        message_id,
        trim(vehicle_id) as vehicle_id,
        event_time as recorded_at,
        {{ local_date('event_time') }} as recorded_date,
        publish_time as published_at,
        ev_state_of_charge_milli_percent / 1000.0 as soc_pct,
        case ev_charging_status
            when 2 then 'charging'
            when 1 then 'not_charging'
            else 'unknown'
        end as charge_state,
        ev_charging_energy_micro_wh / 1e9 as charging_energy_kwh,
        obd_odometer_meters / 1000.0 as odometer_km,
        ev_average_battery_temperature_milli_celsius / 1000.0 as battery_temp_c,
        ev_battery_state_of_health_milli_percent / 1000.0 as oem_soh_pct,
        gps_latitude as latitude,
        gps_longitude as longitude,
        gps_speed_miles_per_hour * 1.609344 as speed_kph,
        {{ clean_category('attributes_provider') }} as provider,
        _loaded_at as loaded_at
    from first_delivery
    where delivery_rank = 1
)

select * from final
{% if is_incremental() %}
    -- a redelivery of a message kept by an earlier run (same reading, so the same recorded_date)
    where not exists (
        select 1
        from {{ this }} as kept
        where
            kept.message_id = final.message_id
            and kept.recorded_date = final.recorded_date
            and kept.recorded_date >= (select min(new_rows.recorded_date) from final as new_rows)
    )
{% endif %}
