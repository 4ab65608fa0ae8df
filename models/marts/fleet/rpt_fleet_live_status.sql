{#- The latest state of every vehicle of dim_vehicles that ever reported (int_fleet__vehicle_latest_readings), with
    two clocks:
    - the fleet's newest reading (fleet_latest_at): minutes_since_seen and the per-vehicle alerts are relative to
      it, so a vehicle is silent relative to the rest of the fleet, whatever the pipeline's delay;
    - the build time (built_at: the run's wall clock in UTC; var live_status_as_of pins it, for tests): the feed's
      own delay, data_lag_minutes = built_at - fleet_latest_at, is stale above var telematics_stale_after_minutes
      (the same var is the telematics source's freshness error_after, so `dbt source freshness` fails alike).
    alert = feed_stale on every row when the feed is stale (a stalled pipeline cannot look fresh), else the
    vehicle's own alert; vehicle_alert keeps the vehicle's own alert in both cases (thresholds in seed
    fleet_alert_thresholds): telematics_silent, else low_soc_not_charging. -#}
{%- if var('live_status_as_of', none) %}
    {%- set clock = parse_utc_timestamp("'" ~ var('live_status_as_of') ~ "'") %}
{%- elif target.type == 'bigquery' %}
    {%- set clock = dbt.current_timestamp() %}
{%- else %}
    {#- DuckDB's current timestamp is a timestamptz; the *_at columns are naive UTC timestamps -#}
    {%- set clock = "timezone('UTC', " ~ dbt.current_timestamp() ~ ")" %}
{%- endif %}
with latest as (
    select
        readings.vehicle_id,
        readings.recorded_at,
        readings.soc_pct,
        readings.charge_state,
        readings.odometer_km,
        readings.battery_temp_c
    from {{ ref('int_fleet__vehicle_latest_readings') }} as readings
    -- a vehicle the vehicles export does not have (yet) is not on the fleet's board: a warning test counts it
    -- (tests/fleet/assert_telematics_vehicles_are_known.sql)
    inner join {{ ref('dim_vehicles') }} as known on readings.vehicle_id = known.vehicle_id
),

thresholds as (
    select
        max(case when alert = 'low_soc_not_charging' then threshold end) as low_soc_pct,
        max(case when alert = 'telematics_silent' then threshold end) as silent_minutes
    from {{ ref('fleet_alert_thresholds') }}
),

fleet_clock as (
    select
        {{ clock }} as built_at,
        max(recorded_at) as fleet_latest_at
    from latest
),

feed as (
    select
        built_at,
        fleet_latest_at,
        round({{ minutes_between('fleet_latest_at', 'built_at') }}, 1) as data_lag_minutes,
        {{ minutes_between('fleet_latest_at', 'built_at') }} > {{ var('telematics_stale_after_minutes') }} as feed_stale
    from fleet_clock
),

vehicles as (
    select
        latest.vehicle_id,
        latest.recorded_at as last_seen_at,
        latest.soc_pct,
        latest.charge_state,
        latest.odometer_km,
        latest.battery_temp_c,
        feed.feed_stale,
        feed.data_lag_minutes,
        feed.fleet_latest_at,
        feed.built_at,
        round({{ minutes_between('latest.recorded_at', 'feed.fleet_latest_at') }}, 1) as minutes_since_seen,
        case
            when {{ minutes_between('latest.recorded_at', 'feed.fleet_latest_at') }} > thresholds.silent_minutes
                then 'telematics_silent'
            when latest.soc_pct < thresholds.low_soc_pct and latest.charge_state != 'charging'
                then 'low_soc_not_charging'
        end as vehicle_alert
    from latest
    cross join feed
    cross join thresholds
),

alerts as (
    select
        *,
        case when feed_stale then 'feed_stale' else vehicle_alert end as alert
    from vehicles
),

final as (
    select
        vehicle_id,
        last_seen_at,
        soc_pct,
        charge_state,
        odometer_km,
        battery_temp_c,
        minutes_since_seen,
        alert,
        vehicle_alert,
        feed_stale,
        data_lag_minutes,
        fleet_latest_at,
        built_at
    from alerts
)

select * from final
