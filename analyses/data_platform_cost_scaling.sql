-- The company plan's data-platform cost per vehicle-year beside the measured one, by fleet-size band.
-- Run: dbt compile -s data_platform_cost_scaling, then execute target/compiled/.../data_platform_cost_scaling.sql
-- (or `dbt show -s data_platform_cost_scaling`).
with plan as (
    select
        plan_reference_fleet,
        phase,
        min_vehicles,
        max_vehicles,
        plan_usd_per_vehicle_year_low,
        plan_usd_per_vehicle_year_high
    from {{ ref('data_platform_plan_bands') }}
),

measured as (
    select
        plan_reference_fleet,
        count(*) as months_measured,
        min(active_vehicles) as fleet_min,
        max(active_vehicles) as fleet_max,
        round(avg(usd_per_vehicle_year), 2) as measured_usd_per_vehicle_year,
        sum(case when is_within_plan_band then 1 else 0 end) as months_within_band
    from {{ ref('fct_data_platform_cost_monthly') }}
    where active_vehicles > 0
    group by 1
),

final as (
    select
        plan.plan_reference_fleet,
        plan.phase,
        plan.min_vehicles,
        plan.max_vehicles,
        plan.plan_usd_per_vehicle_year_low,
        plan.plan_usd_per_vehicle_year_high,
        measured.months_measured,
        measured.fleet_min,
        measured.fleet_max,
        measured.measured_usd_per_vehicle_year,
        measured.months_within_band
    from plan
    left join measured on plan.plan_reference_fleet = measured.plan_reference_fleet
)

select * from final
order by 1
