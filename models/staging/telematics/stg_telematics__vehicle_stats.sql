{#- A view: the raw pings are read once per build, by int_fleet__telematics_intervals, which persists these
    rows (1:1) and carries the key tests of both (docs/fleet_battery.md, "Performance": a staging table cost
    a second full write of every ping). Pub/Sub delivers at least once: the first delivery of a messageId is
    kept. A redelivery repeats the payload, so the dedupe partitions by message and reading time: a filter
    on recorded_at or recorded_date downstream then reaches the raw scan (only those days are read). -#}
with source as (
    select
        message_id,
        vehicle_id,
        event_time,
        publish_time,
        ev_state_of_charge_milli_percent,
        ev_charging_status,
        ev_charging_energy_micro_wh,
        obd_odometer_meters,
        ev_average_battery_temperature_milli_celsius,
        ev_battery_state_of_health_milli_percent,
        gps_latitude,
        gps_longitude,
        gps_speed_miles_per_hour,
        attributes_provider,
        _loaded_at,
        _file,
        _row_number
    from {{ source('telematics', 'telematics') }}
),

first_delivery as (
    select
        *,
        row_number() over (
            partition by message_id, event_time
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
