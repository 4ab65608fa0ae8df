{#- The latest state of every vehicle that ever reported (int_fleet__vehicle_latest_readings). "Now" is the newest
    reading of the whole fleet (var live_status_as_of overrides), so a vehicle is silent relative to the rest of
    the fleet even when the pipeline itself runs late. Alerts (thresholds in seed fleet_alert_thresholds):
    telematics_silent, else low_soc_not_charging. -#}
with latest as (
    select
        vehicle_id,
        recorded_at,
        soc_pct,
        charge_state,
        odometer_km,
        battery_temp_c
    from {{ ref('int_fleet__vehicle_latest_readings') }}
),

thresholds as (
    select
        max(case when alert = 'low_soc_not_charging' then threshold end) as low_soc_pct,
        max(case when alert = 'telematics_silent' then threshold end) as silent_minutes
    from {{ ref('fleet_alert_thresholds') }}
),

fleet_now as (
    select
        {%- if var('live_status_as_of', none) %}
            {{ parse_utc_timestamp("'" ~ var('live_status_as_of') ~ "'") }} as now_at
        {%- else %}
            max(recorded_at) as now_at
        {%- endif %}
    from latest
),

final as (
    select
        latest.vehicle_id,
        latest.recorded_at as last_seen_at,
        latest.soc_pct,
        latest.charge_state,
        latest.odometer_km,
        latest.battery_temp_c,
        round({{ minutes_between('latest.recorded_at', 'fleet_now.now_at') }}, 1) as minutes_since_seen,
        case
            when {{ minutes_between('latest.recorded_at', 'fleet_now.now_at') }} > thresholds.silent_minutes
                then 'telematics_silent'
            when latest.soc_pct < thresholds.low_soc_pct and latest.charge_state != 'charging'
                then 'low_soc_not_charging'
        end as alert
    from latest
    cross join fleet_now
    cross join thresholds
)

select * from final
