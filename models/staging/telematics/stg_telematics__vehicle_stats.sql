{#- One row per delivery of a telematics message: renamed, typed, units converted. Pub/Sub delivers at least
    once, so a messageId can appear more than once (same payload). The first delivery is kept downstream, in
    int_fleet__telematics_intervals, by the same ordered pass over each vehicle's pings that finds the next
    message (one sort for both; docs/fleet_battery.md, "Incremental design"). A view: that model is its only
    reader and reads it once per build; a filter on recorded_date or recorded_at reaches the raw scan. -#}
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
        _loaded_at as loaded_at,
        _file as source_file,
        _row_number as source_row_number
    from source
)

select * from final
