{#- The data platform's own cost per month: warehouse bytes billed (cache hits cost nothing) at the
    on-demand price plus the tooling of the plan phase the fleet size falls in; per vehicle-year =
    total_usd * 12 / active vehicles, compared with the plan's band for that fleet size. -#}
with months as (
    select month_start from {{ ref('int_finance__months') }}
),

active_vehicle_months as (
    select
        month_start,
        vehicle_id
    from {{ ref('int_finance__active_vehicle_months') }}
),

jobs as (
    select
        job_month,
        bytes_billed,
        is_cache_hit
    from {{ ref('stg_warehouse_billing__jobs') }}
),

pricing as (
    select usd_per_tib_billed from {{ ref('warehouse_pricing') }}
    where pricing_model = 'on_demand'
),

bands as (
    select
        min_vehicles,
        max_vehicles,
        phase,
        plan_reference_fleet,
        plan_usd_per_vehicle_year_low,
        plan_usd_per_vehicle_year_high
    from {{ ref('data_platform_plan_bands') }}
),

tooling as (
    select
        phase,
        sum(usd_per_month) as tooling_usd
    from {{ ref('data_tooling_costs') }}
    group by 1
),

fx as (
    select
        month as fx_month,
        mxn_per_usd
    from {{ ref('fx_mxn_per_usd_monthly') }}
),

fleet as (
    select
        month_start,
        count(*) as active_vehicles
    from active_vehicle_months
    group by 1
),

warehouse as (
    select
        job_month,
        count(*) as query_jobs,
        sum(case when is_cache_hit then 0 else bytes_billed end) as bytes_billed
    from jobs
    group by 1
),

-- The latest published rate on or before the month (the seed may lag the data by a month or two).
month_fx as (
    select
        months.month_start,
        fx.mxn_per_usd,
        row_number() over (partition by months.month_start order by fx.fx_month desc) as fx_rank
    from months
    inner join fx on months.month_start >= fx.fx_month
),

costed as (
    select
        months.month_start,
        coalesce(fleet.active_vehicles, 0) as active_vehicles,
        coalesce(warehouse.query_jobs, 0) as query_jobs,
        coalesce(warehouse.bytes_billed, 0) as bytes_billed,
        cast(
            round(
                coalesce(warehouse.bytes_billed, 0) / power(2, 40)
                * (select pricing.usd_per_tib_billed from pricing),
                2
            ) as {{ type_money() }}
        ) as warehouse_usd,
        coalesce(tooling.tooling_usd, 0) as tooling_usd,
        month_fx.mxn_per_usd,
        bands.phase as plan_phase,
        bands.plan_reference_fleet,
        bands.plan_usd_per_vehicle_year_low,
        bands.plan_usd_per_vehicle_year_high
    from months
    left join fleet on months.month_start = fleet.month_start
    left join warehouse on months.month_start = warehouse.job_month
    left join bands
        on coalesce(fleet.active_vehicles, 0) between bands.min_vehicles and bands.max_vehicles
    left join tooling on bands.phase = tooling.phase
    left join month_fx on months.month_start = month_fx.month_start and month_fx.fx_rank = 1
),

final as (
    select
        month_start as cost_month,
        active_vehicles,
        query_jobs,
        bytes_billed,
        warehouse_usd,
        cast(tooling_usd as {{ type_money() }}) as tooling_usd,
        cast(warehouse_usd + tooling_usd as {{ type_money() }}) as total_usd,
        mxn_per_usd,
        cast(round((warehouse_usd + tooling_usd) * mxn_per_usd, 2) as {{ type_money() }}) as total_mxn,
        case
            when active_vehicles > 0
                then round((warehouse_usd + tooling_usd) * 12 / active_vehicles, 2)
        end as usd_per_vehicle_year,
        plan_phase,
        plan_reference_fleet,
        plan_usd_per_vehicle_year_low,
        plan_usd_per_vehicle_year_high,
        coalesce(
            active_vehicles > 0
            and (warehouse_usd + tooling_usd) * 12 / active_vehicles
            between plan_usd_per_vehicle_year_low and plan_usd_per_vehicle_year_high,
            false
        ) as is_within_plan_band
    from costed
)

select * from final
