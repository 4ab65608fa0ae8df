{#- The months the finance marts cover: from the first vehicle acquisition to the latest month with a cost
    line, a warehouse job, a charger export or a work order (var finance_last_month overrides the end). -#}
with vehicles as (
    select acquired_date from {{ ref('stg_fleet__vehicles') }}
),

cost_lines as (
    select max(cost_month) as last_month from {{ ref('stg_finance__vehicle_costs') }}
),

jobs as (
    select max(job_month) as last_month from {{ ref('stg_warehouse_billing__jobs') }}
),

charger_exports as (
    select max({{ local_date('started_at') }}) as last_date from {{ ref('stg_charging__ocpp_sessions') }}
),

work_orders as (
    select max(opened_date) as last_date from {{ ref('stg_maintenance__work_orders') }}
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', '(select min(acquired_date) from vehicles)') }} as date) as first_month,
        {%- if var('finance_last_month', none) %}
            cast('{{ var("finance_last_month") }}' as date) as last_month
        {%- else %}
            greatest(
                coalesce((select cost_lines.last_month from cost_lines), cast('1900-01-01' as date)),
                coalesce((select jobs.last_month from jobs), cast('1900-01-01' as date)),
                cast({{ dbt.date_trunc('month', 'coalesce((select charger_exports.last_date from charger_exports), '
                    ~ "cast('1900-01-01' as date))") }} as date),
                cast({{ dbt.date_trunc('month', 'coalesce((select work_orders.last_date from work_orders), '
                    ~ "cast('1900-01-01' as date))") }} as date)
            ) as last_month
        {%- endif %}
),

days as (
    {{ days_between('(select first_month from bounds)', '(select last_month from bounds)') }}
),

final as (
    select
        date_day as month_start,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end
    from days
    where extract(day from date_day) = 1
)

select * from final
