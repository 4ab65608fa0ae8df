{#- Battery health per vehicle-month (docs/fleet_battery.md, the SoH rule lives here): for sessions with an SoC
    gain of at least 30 points, usable capacity = energy into the battery over the interval the gain is read on /
    (SoC gain / 100) (fct_charging_sessions: grid energy x charger efficiency, less what was delivered before the
    start SoC or after the end SoC was read); monthly SoH = median capacity / nominal capacity x 100.
    A session implying an SoH outside vars soh_plausible_min_pct..max_pct is left out of the median.
    Equivalent full cycles = sum of the month's session SoC gains / 100; dc_share = DC grid energy / all. -#}
with sessions as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        soc_gain_pct,
        energy_kwh,
        energy_battery_in_soc_gain_kwh,
        charger_type
    from {{ ref('fct_charging_sessions') }}
    where vehicle_id is not null
),

vehicle_days as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        oem_soh_pct,
        km_driven
    from {{ ref('fct_vehicle_daily') }}
),

vehicles as (
    select
        vehicle_id,
        nominal_capacity_kwh
    from {{ ref('dim_vehicles') }}
),

session_capacities as (
    select
        sessions.vehicle_id,
        sessions.month_start,
        vehicles.nominal_capacity_kwh,
        sessions.energy_battery_in_soc_gain_kwh / (sessions.soc_gain_pct / 100.0) as usable_capacity_kwh
    from sessions
    inner join vehicles on sessions.vehicle_id = vehicles.vehicle_id
    where sessions.soc_gain_pct >= {{ var('soh_min_soc_gain_pct') }} and sessions.energy_battery_in_soc_gain_kwh > 0
),

-- A session implying an SoH outside the plausible band (vars soh_plausible_min_pct / max) is a meter or feed error
-- (e.g. an export's meter delta of another session), not a battery: it never enters the median.
capacity_estimates as (
    select
        vehicle_id,
        month_start,
        usable_capacity_kwh
    from session_capacities
    where
        usable_capacity_kwh
        between nominal_capacity_kwh * {{ var('soh_plausible_min_pct') }} / 100.0
        and nominal_capacity_kwh * {{ var('soh_plausible_max_pct') }} / 100.0
),

monthly_capacity as (
    select
        vehicle_id,
        month_start,
        count(*) as sessions_used,
        {{ median('usable_capacity_kwh') }} as usable_capacity_kwh
    from capacity_estimates
    group by 1, 2
),

monthly_charging as (
    select
        vehicle_id,
        month_start,
        count(*) as charging_sessions,
        sum(case when soc_gain_pct > 0 then soc_gain_pct else 0 end) / 100.0 as equivalent_full_cycles,
        sum(case when charger_type = 'dc' then energy_kwh else 0 end) / nullif(sum(energy_kwh), 0) as dc_share
    from sessions
    group by 1, 2
),

monthly_driving as (
    select
        vehicle_id,
        month_start,
        avg(oem_soh_pct) as soh_oem_pct,
        sum(km_driven) as km_driven
    from vehicle_days
    group by 1, 2
),

vehicle_months as (
    select
        vehicle_id,
        month_start
    from monthly_charging
    union distinct
    select
        vehicle_id,
        month_start
    from monthly_driving
),

final as (
    select
        vehicle_months.vehicle_id,
        vehicle_months.month_start,
        vehicles.nominal_capacity_kwh,
        round(monthly_capacity.usable_capacity_kwh / vehicles.nominal_capacity_kwh * 100, 2) as soh_estimate_pct,
        round(monthly_driving.soh_oem_pct, 2) as soh_oem_pct,
        round(monthly_capacity.usable_capacity_kwh, 3) as usable_capacity_kwh,
        coalesce(monthly_capacity.sessions_used, 0) as sessions_used,
        coalesce(monthly_capacity.sessions_used, 0) >= {{ var('soh_min_sessions_per_month') }} as is_estimate_reliable,
        coalesce(monthly_charging.charging_sessions, 0) as charging_sessions,
        round(coalesce(monthly_charging.equivalent_full_cycles, 0), 3) as equivalent_full_cycles,
        round(monthly_charging.dc_share, 4) as dc_share,
        round(coalesce(monthly_driving.km_driven, 0), 1) as km_driven
    from vehicle_months
    inner join vehicles on vehicle_months.vehicle_id = vehicles.vehicle_id
    left join monthly_capacity
        on
            vehicle_months.vehicle_id = monthly_capacity.vehicle_id
            and vehicle_months.month_start = monthly_capacity.month_start
    left join monthly_charging
        on
            vehicle_months.vehicle_id = monthly_charging.vehicle_id
            and vehicle_months.month_start = monthly_charging.month_start
    left join monthly_driving
        on
            vehicle_months.vehicle_id = monthly_driving.vehicle_id
            and vehicle_months.month_start = monthly_driving.month_start
)

select * from final
