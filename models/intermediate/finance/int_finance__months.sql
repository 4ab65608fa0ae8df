{#- The months the finance marts cover (docs/finance.md, "Months"): from the first to the latest local month with
    fleet activity, never from the earliest acquisition. Activity = a plausible telematics reading, a charger export,
    a work order opened, a cost line, a warehouse job or an LTO contract signed. Var finance_last_month overrides
    the end (e.g. to cost months after the data). -#}
with readings as (
    select
        min(recorded_date) as first_date,
        max(recorded_date) as last_date
    from {{ ref('int_fleet__telematics_intervals') }}
    where not is_suspect
),

charger_exports as (
    select
        min(started_date) as first_date,
        max(started_date) as last_date
    from {{ ref('int_fleet__ocpp_exports') }}
),

work_orders as (
    select
        min(opened_date) as first_date,
        max(opened_date) as last_date
    from {{ ref('stg_maintenance__work_orders') }}
),

cost_lines as (
    select
        min(cost_month) as first_date,
        max(cost_month) as last_date
    from {{ ref('stg_finance__vehicle_costs') }}
),

jobs as (
    select
        min(job_month) as first_date,
        max(job_month) as last_date
    from {{ ref('stg_warehouse_billing__jobs') }}
),

contracts as (
    select
        min(signed_date) as first_date,
        max(signed_date) as last_date
    from {{ ref('stg_lending__lto_contracts') }}
),

activity as (
    select
        first_date,
        last_date
    from readings
    union all
    select
        first_date,
        last_date
    from charger_exports
    union all
    select
        first_date,
        last_date
    from work_orders
    union all
    select
        first_date,
        last_date
    from cost_lines
    union all
    select
        first_date,
        last_date
    from jobs
    union all
    select
        first_date,
        last_date
    from contracts
),

bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(first_date)') }} as date) as first_month,
        {%- if var('finance_last_month', none) %}
            cast('{{ var("finance_last_month") }}' as date) as last_month
        {%- else %}
            cast({{ dbt.date_trunc('month', 'max(last_date)') }} as date) as last_month
        {%- endif %}
    from activity
),

days as (
    {{ days_between('(select bounds.first_month from bounds)', '(select bounds.last_month from bounds)') }}
),

final as (
    select
        date_day as month_start,
        cast({{ dbt.last_day('date_day', 'month') }} as date) as month_end
    from days
    where extract(day from date_day) = 1
)

select * from final
