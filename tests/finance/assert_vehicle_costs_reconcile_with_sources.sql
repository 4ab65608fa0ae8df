-- Every cost category summed over vehicles equals its source total for each month, to the centavo.
with allocated as (
    select
        month_start,
        sum(energy_mxn) as energy_mxn,
        sum(maintenance_mxn) as maintenance_mxn,
        sum(fixed_mxn) as fixed_mxn,
        sum(data_platform_mxn) as data_platform_mxn
    from {{ ref('fct_vehicle_costs_monthly') }}
    group by 1
),

sources as (
    select
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        'energy' as category,
        cost_mxn as amount_mxn
    from {{ ref('fct_charging_sessions') }}
    union all
    select
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date) as month_start,
        'maintenance' as category,
        parts_cost_mxn + labor_cost_mxn as amount_mxn
    from {{ ref('stg_maintenance__work_orders') }}
    union all
    select
        cost_month as month_start,
        'fixed' as category,
        amount_mxn
    from {{ ref('stg_finance__vehicle_costs') }}
    union all
    select
        cost_month as month_start,
        'data_platform' as category,
        total_mxn as amount_mxn
    from {{ ref('fct_data_platform_cost_monthly') }}
),

source_totals as (
    select
        month_start,
        sum(case when category = 'energy' then amount_mxn else 0 end) as energy_mxn,
        sum(case when category = 'maintenance' then amount_mxn else 0 end) as maintenance_mxn,
        sum(case when category = 'fixed' then amount_mxn else 0 end) as fixed_mxn,
        sum(case when category = 'data_platform' then amount_mxn else 0 end) as data_platform_mxn
    from sources
    group by 1
)

select
    source_totals.month_start,
    source_totals.energy_mxn,
    allocated.energy_mxn as allocated_energy_mxn,
    source_totals.fixed_mxn,
    allocated.fixed_mxn as allocated_fixed_mxn
from source_totals
left join allocated on source_totals.month_start = allocated.month_start
where
    coalesce(allocated.energy_mxn, 0) != source_totals.energy_mxn
    or coalesce(allocated.maintenance_mxn, 0) != source_totals.maintenance_mxn
    or coalesce(allocated.fixed_mxn, 0) != source_totals.fixed_mxn
    or coalesce(allocated.data_platform_mxn, 0) != source_totals.data_platform_mxn
