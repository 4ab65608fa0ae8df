{{ config(**latest_per_key_incremental_config('vehicle_id', 'recorded_date')) }}
{#- One row per vehicle that ever reported a non-suspect reading: that latest reading. Incremental so the daily
    job does not read every ping ever recorded to find it: a run reads only the days the telematics path may
    have rebuilt (telematics_rebuild_from, a literal read from this table's own latest date) and replaces the
    row of each vehicle with a reading there. That reading is never older than the vehicle's previous one
    (those days still hold it, or it lies before them); a vehicle with none keeps its row. Either way each
    vehicle's last day is found first and only that day is ranked. -#}
{%- set rebuild_from = telematics_rebuild_from('recorded_date', literal=true) if is_incremental() else none %}
-- the intervals are read twice, not through one CTE: DuckDB would materialize a CTE referenced twice, every
-- column of every ping on a full refresh
with last_days as (
    select
        vehicle_id,
        max(recorded_date) as last_date
    from {{ ref('int_fleet__telematics_intervals') }}
    where not is_suspect
    {%- if rebuild_from %}
        and recorded_date >= {{ rebuild_from }}
    {%- endif %}
    group by 1
),

last_day_readings as (
    select
        readings.vehicle_id,
        readings.recorded_at,
        readings.recorded_date,
        readings.soc_pct,
        readings.charge_state,
        readings.odometer_km,
        readings.battery_temp_c,
        readings.loaded_at
    from {{ ref('int_fleet__telematics_intervals') }} as readings
    inner join last_days
        on
            readings.vehicle_id = last_days.vehicle_id
            and readings.recorded_date = last_days.last_date
    where not readings.is_suspect
    {%- if rebuild_from %}
        and readings.recorded_date >= {{ rebuild_from }}
    {%- endif %}
),

ranked as (
    select
        *,
        row_number() over (partition by vehicle_id order by recorded_at desc) as recency_rank
    from last_day_readings
),

final as (
    select
        vehicle_id,
        recorded_at,
        recorded_date,
        soc_pct,
        charge_state,
        odometer_km,
        battery_temp_c,
        loaded_at
    from ranked
    where recency_rank = 1
)

select * from final
