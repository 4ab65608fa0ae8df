{#- Cost per vehicle-month (docs/finance.md). Energy = the vehicle's charging session costs (OCPP price, else energy
    at the tariff valid on the session's date, in fct_charging_sessions); maintenance = parts + labor of work orders
    opened in the month; fixed = the vehicle's own cost lines; shared amounts (fleet-wide cost lines, sessions of
    unknown vehicle, the data platform's cost) are split evenly across the month's active vehicles
    (int_finance__active_vehicle_months) with split_evenly, to the centavo. A missing price is never a zero
    (sum_priced): an unpriced amount leaves its category and the total null, and the build fails. -#}
with active_vehicle_months as (
    select
        vehicle_id,
        month_start,
        active_vehicles,
        vehicle_rank
    from {{ ref('int_finance__active_vehicle_months') }}
),

sessions as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        cost_mxn
    from {{ ref('fct_charging_sessions') }}
    -- a session no source measured (no export, no telematics energy counter) has no known energy to cost
    where energy_kwh is not null
),

work_orders as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'opened_date') }} as date) as month_start,
        total_mxn as cost_mxn
    from {{ ref('int_maintenance__work_orders') }}
),

cost_lines as (
    select
        vehicle_id,
        cost_month as month_start,
        amount_mxn,
        is_fleet_wide
    from {{ ref('stg_finance__vehicle_costs') }}
),

data_platform as (
    select
        cost_month as month_start,
        total_mxn
    from {{ ref('fct_data_platform_cost_monthly') }}
),

vehicle_days as (
    select
        vehicle_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        km_driven
    from {{ ref('fct_vehicle_daily') }}
),

-- amounts shared by the fleet, one row per month and amount (split line by line)
shared_amounts as (
    select
        month_start,
        'fixed' as category,
        amount_mxn
    from cost_lines
    where is_fleet_wide
    union all
    select
        month_start,
        'energy' as category,
        cost_mxn as amount_mxn
    from sessions
    where vehicle_id is null
    union all
    select
        month_start,
        'data_platform' as category,
        total_mxn as amount_mxn
    from data_platform
),

shares as (
    select
        active_vehicle_months.vehicle_id,
        active_vehicle_months.month_start,
        shared_amounts.category,
        {{ sum_priced(split_evenly(
            'shared_amounts.amount_mxn',
            'active_vehicle_months.active_vehicles',
            'active_vehicle_months.vehicle_rank'
        )) }} as amount_mxn
    from shared_amounts
    inner join active_vehicle_months on shared_amounts.month_start = active_vehicle_months.month_start
    group by 1, 2, 3
),

own_amounts as (
    select
        vehicle_id,
        month_start,
        'energy' as category,
        cost_mxn as amount_mxn
    from sessions
    where vehicle_id is not null
    union all
    select
        vehicle_id,
        month_start,
        'maintenance' as category,
        cost_mxn as amount_mxn
    from work_orders
    union all
    select
        vehicle_id,
        month_start,
        'fixed' as category,
        amount_mxn
    from cost_lines
    where not is_fleet_wide
),

all_amounts as (
    select
        vehicle_id,
        month_start,
        category,
        amount_mxn
    from own_amounts
    union all
    select
        vehicle_id,
        month_start,
        category,
        amount_mxn
    from shares
),

monthly_km as (
    select
        vehicle_id,
        month_start,
        sum(km_driven) as km_driven
    from vehicle_days
    group by 1, 2
),

vehicle_months as (
    select
        vehicle_id,
        month_start,
        {{ sum_priced('amount_mxn', "category = 'energy'") }} as energy_mxn,
        {{ sum_priced('amount_mxn', "category = 'maintenance'") }} as maintenance_mxn,
        {{ sum_priced('amount_mxn', "category = 'fixed'") }} as fixed_mxn,
        {{ sum_priced('amount_mxn', "category = 'data_platform'") }} as data_platform_mxn
    from all_amounts
    group by 1, 2
),

final as (
    select
        vehicle_months.vehicle_id,
        vehicle_months.month_start,
        cast(vehicle_months.energy_mxn as {{ type_money() }}) as energy_mxn,
        cast(vehicle_months.maintenance_mxn as {{ type_money() }}) as maintenance_mxn,
        cast(vehicle_months.fixed_mxn as {{ type_money() }}) as fixed_mxn,
        cast(vehicle_months.data_platform_mxn as {{ type_money() }}) as data_platform_mxn,
        cast(
            vehicle_months.energy_mxn + vehicle_months.maintenance_mxn + vehicle_months.fixed_mxn
            + vehicle_months.data_platform_mxn as {{ type_money() }}
        ) as total_mxn,
        round(coalesce(monthly_km.km_driven, 0), 1) as km_driven,
        round(
            (
                vehicle_months.energy_mxn + vehicle_months.maintenance_mxn + vehicle_months.fixed_mxn
                + vehicle_months.data_platform_mxn
            ) / nullif(monthly_km.km_driven, 0),
            2
        ) as cost_per_km_mxn
    from vehicle_months
    left join monthly_km
        on vehicle_months.vehicle_id = monthly_km.vehicle_id and vehicle_months.month_start = monthly_km.month_start
)

select * from final
