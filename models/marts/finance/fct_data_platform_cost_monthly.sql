{#- The data platform's own cost per finance month (docs/finance.md): warehouse bytes billed (cache hits cost nothing)
    at the on-demand price valid on each job's local date (seed warehouse_pricing), plus the tooling of the plan phase
    the month's active fleet falls in, at the seed rows valid on the month's first day (seed data_tooling_costs),
    converted at the month's FX rate (int_finance__fx_rates_monthly). A missing price is null, never a zero; per
    vehicle-year = total_usd * 12 / active vehicles, compared with the plan's band for that fleet size. -#}
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
        created_at,
        job_month,
        bytes_billed,
        is_cache_hit
    from {{ ref('stg_warehouse_billing__jobs') }}
),

pricing as (
    select
        valid_from,
        valid_to,
        usd_per_tib_billed
    from {{ ref('warehouse_pricing') }}
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
        valid_from,
        valid_to,
        usd_per_month
    from {{ ref('data_tooling_costs') }}
),

fx_rates as (
    select
        month_start,
        fx_month,
        mxn_per_usd
    from {{ ref('int_finance__fx_rates_monthly') }}
),

fleet as (
    select
        month_start,
        count(*) as active_vehicles
    from active_vehicle_months
    group by 1
),

-- jobs by month and the price valid on their local date (null price: no seed row covers that date)
job_prices as (
    select
        jobs.job_month,
        pricing.usd_per_tib_billed,
        count(*) as query_jobs,
        sum(case when jobs.is_cache_hit then 0 else jobs.bytes_billed end) as bytes_billed
    from jobs
    left join pricing
        on {{ local_date('jobs.created_at') }} between pricing.valid_from and pricing.valid_to
    group by 1, 2
),

warehouse as (
    select
        job_month,
        sum(query_jobs) as query_jobs,
        sum(bytes_billed) as bytes_billed,
        -- nothing billed needs no price; billed bytes without a valid price leave the month's cost null
        {{ sum_priced(
            'case when bytes_billed = 0 then 0 else bytes_billed / power(2, 40) * usd_per_tib_billed end'
        ) }} as warehouse_usd
    from job_prices
    group by 1
),

-- the tooling of each phase at the seed rows valid on the month's first day
month_tooling as (
    select
        months.month_start,
        tooling.phase,
        sum(tooling.usd_per_month) as tooling_usd
    from months
    inner join tooling on months.month_start between tooling.valid_from and tooling.valid_to
    group by 1, 2
),

costed as (
    select
        months.month_start,
        coalesce(fleet.active_vehicles, 0) as active_vehicles,
        coalesce(warehouse.query_jobs, 0) as query_jobs,
        coalesce(warehouse.bytes_billed, 0) as bytes_billed,
        cast(
            case
                when warehouse.job_month is null then 0  -- no job that month: nothing billed
                else round(warehouse.warehouse_usd, 2)
            end as {{ type_money() }}
        ) as warehouse_usd,
        cast(month_tooling.tooling_usd as {{ type_money() }}) as tooling_usd,
        fx_rates.fx_month,
        fx_rates.mxn_per_usd,
        bands.phase as plan_phase,
        bands.plan_reference_fleet,
        bands.plan_usd_per_vehicle_year_low,
        bands.plan_usd_per_vehicle_year_high
    from months
    left join fleet on months.month_start = fleet.month_start
    left join warehouse on months.month_start = warehouse.job_month
    left join bands
        on coalesce(fleet.active_vehicles, 0) between bands.min_vehicles and bands.max_vehicles
    left join month_tooling
        on months.month_start = month_tooling.month_start and bands.phase = month_tooling.phase
    left join fx_rates on months.month_start = fx_rates.month_start
),

final as (
    select
        month_start as cost_month,
        active_vehicles,
        query_jobs,
        bytes_billed,
        warehouse_usd,
        tooling_usd,
        cast(warehouse_usd + tooling_usd as {{ type_money() }}) as total_usd,
        fx_month,
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
        case
            when active_vehicles = 0 then false
            else
                (warehouse_usd + tooling_usd) * 12 / active_vehicles
                between plan_usd_per_vehicle_year_low and plan_usd_per_vehicle_year_high
        end as is_within_plan_band
    from costed
)

select * from final
