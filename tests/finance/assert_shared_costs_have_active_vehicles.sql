-- Shared costs need someone to share them (docs/finance.md, "Rules"): every finance month has the data platform's
-- cost (and maybe fleet-wide lines and charging of unknown vehicle), split across the month's active vehicles. A
-- month with none (activity before the first acquisition, or after every vehicle was disposed) would lose them: the
-- test raises an error naming each such month (macro fail_with_message).
with empty_months as (
    select
        cost_month as month_start,
        concat(
            'no active vehicle in ', substr(cast(cost_month as {{ dbt.type_string() }}), 1, 7),
            ' to share its costs (int_finance__active_vehicle_months)'
        ) as message
    from {{ ref('fct_data_platform_cost_monthly') }}
    where active_vehicles = 0
),

summary as (
    select
        count(*) as month_count,
        {{ dbt.listagg('message', "'; '", 'order by message') }} as messages
    from empty_months
),

final as (
    select
        empty_months.month_start,
        empty_months.message,
        summary.month_count,
        summary.messages
    from empty_months
    cross join summary
)

select
    month_start,
    message
from final
where case when month_count > 0 then {{ fail_with_message("concat('unshared finance costs: ', messages)") }} end is null
