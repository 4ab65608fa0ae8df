-- Work-order costs (parts + labour) per vehicle and month of opening equal the maintenance line of the cost mart,
-- to the centavo.
with work_orders as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date) as month_start,
        sum(total_mxn) as maintenance_mxn
    from {{ ref('fct_work_orders') }}
    group by 1, 2
),

cost_mart as (
    select
        vehicle_id,
        month_start,
        maintenance_mxn
    from {{ ref('fct_vehicle_costs_monthly') }}
    where maintenance_mxn != 0
)

select
    work_orders.maintenance_mxn as work_orders_mxn,
    cost_mart.maintenance_mxn as cost_mart_mxn,
    coalesce(work_orders.vehicle_id, cost_mart.vehicle_id) as vehicle_id,
    coalesce(work_orders.month_start, cost_mart.month_start) as month_start
from work_orders
full outer join cost_mart
    on work_orders.vehicle_id = cost_mart.vehicle_id and work_orders.month_start = cost_mart.month_start
where abs(coalesce(work_orders.maintenance_mxn, 0) - coalesce(cost_mart.maintenance_mxn, 0)) >= 0.005
