-- Row count guard: every vehicle-month with a charging session of a known vehicle has a battery-health row,
-- and every month with a qualifying session has an SoH estimate in 50-105 %.
with charging_months as (
    select distinct
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start
    from {{ ref('fct_charging_sessions') }}
    where vehicle_id is not null
)

select
    charging_months.vehicle_id,
    charging_months.month_start
from charging_months
left join {{ ref('fct_battery_health_monthly') }} as health
    on charging_months.vehicle_id = health.vehicle_id and charging_months.month_start = health.month_start
where
    health.vehicle_id is null
    or (health.sessions_used > 0 and health.soh_estimate_pct not between 50 and 105)
