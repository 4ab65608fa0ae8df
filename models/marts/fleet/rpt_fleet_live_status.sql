{#- The latest state of every vehicle that ever reported. "Now" is the newest reading of the whole fleet (var
    live_status_as_of overrides), so a vehicle is silent relative to the rest of the fleet even when the
    pipeline itself runs late. Alerts (thresholds in seed fleet_alert_thresholds): telematics_silent, else
    low_soc_not_charging. -#}
with vehicle_days as (
    select
        vehicle_id,
        activity_date
    from {{ ref('fct_vehicle_daily') }}
),

intervals as (
    select
        message_id,
        vehicle_id,
        recorded_at,
        recorded_date,
        soc_pct,
        charge_state,
        odometer_km,
        battery_temp_c
    from {{ ref('int_fleet__telematics_intervals') }}
    where not is_suspect
),

thresholds as (
    select
        max(case when alert = 'low_soc_not_charging' then threshold end) as low_soc_pct,
        max(case when alert = 'telematics_silent' then threshold end) as silent_minutes
    from {{ ref('fleet_alert_thresholds') }}
),

-- the small daily grain finds each vehicle's last day, so only that day's pings are ranked (no sort of
-- every ping of the fleet on each run)
last_days as (
    select
        vehicle_id,
        max(activity_date) as last_date
    from vehicle_days
    group by 1
),

last_day_pings as (
    select
        intervals.message_id,
        intervals.vehicle_id,
        intervals.recorded_at,
        intervals.soc_pct,
        intervals.charge_state,
        intervals.odometer_km,
        intervals.battery_temp_c,
        row_number() over (
            partition by intervals.vehicle_id
            order by intervals.recorded_at desc, intervals.message_id desc
        ) as recency_rank
    from intervals
    inner join last_days
        on
            intervals.vehicle_id = last_days.vehicle_id
            and intervals.recorded_date = last_days.last_date
),

latest as (
    select
        vehicle_id,
        recorded_at,
        soc_pct,
        charge_state,
        odometer_km,
        battery_temp_c
    from last_day_pings
    where recency_rank = 1
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
