-- Row count guard: every vehicle-month with a charging session of a known vehicle has a battery-health row,
-- and every month with a qualifying session has an SoH estimate in the plausible band
-- (vars soh_plausible_min_pct..max_pct).
with charging_months as (
    select distinct
        sessions.vehicle_id,
        cast({{ dbt.date_trunc('month', 'sessions.started_date') }} as date) as month_start
    from {{ ref('fct_charging_sessions') }} as sessions
    -- a vehicle the vehicles export does not have yet has no battery rows (a warning on fct_charging_sessions)
    inner join {{ ref('dim_vehicles') }} as vehicles on sessions.vehicle_id = vehicles.vehicle_id
)

select
    charging_months.vehicle_id,
    charging_months.month_start
from charging_months
left join {{ ref('fct_battery_health_monthly') }} as health
    on charging_months.vehicle_id = health.vehicle_id and charging_months.month_start = health.month_start
where
    health.vehicle_id is null
    or (
        health.sessions_used > 0
        and health.soh_estimate_pct
        not between {{ var('soh_plausible_min_pct') }} and {{ var('soh_plausible_max_pct') }}
    )
