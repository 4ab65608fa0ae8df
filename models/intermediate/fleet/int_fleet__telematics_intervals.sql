{#- One row per telematics message with the time to the vehicle's next message: the single ordered pass
    over the pings that the daily grain and charging sessions both build on. -#}
with pings as (
    select
        message_id,
        vehicle_id,
        recorded_at,
        recorded_date,
        soc_pct,
        charge_state,
        charging_energy_kwh,
        odometer_km,
        battery_temp_c,
        oem_soh_pct,
        speed_kph
    from {{ ref('stg_telematics__vehicle_stats') }}
),

with_next as (
    select
        *,
        lead(recorded_at) over vehicle_timeline as next_recorded_at
    from pings
    window vehicle_timeline as (partition by vehicle_id order by recorded_at, message_id)
),

final as (
    select
        message_id,
        vehicle_id,
        recorded_at,
        recorded_date,
        soc_pct,
        charge_state,
        charge_state = 'charging' as is_charging,
        charging_energy_kwh,
        odometer_km,
        battery_temp_c,
        oem_soh_pct,
        speed_kph,
        next_recorded_at,
        -- A gap longer than the max means the vehicle was off: that time is not observed.
        case
            when {{ minutes_between('recorded_at', 'next_recorded_at') }} <= {{ var('telematics_max_gap_minutes') }}
                then {{ minutes_between('recorded_at', 'next_recorded_at') }}
            else 0
        end as observed_minutes
    from with_next
)

select * from final
