{#- One row per vehicle and local date it spent time in the workshop (an open work order at any moment of the
    day), with the hours from its first entry to its last exit that day (an order still open runs to the end of the
    as-of date: left_at in int_maintenance__work_orders). -#}
with work_orders as (
    select
        vehicle_id,
        opened_at,
        opened_date,
        left_at
    from {{ ref('int_maintenance__work_orders') }}
),

calendar as (
    {{ days_between('(select min(opened_date) from work_orders)', as_of_date()) }}
),

order_days as (
    select
        work_orders.vehicle_id,
        calendar.date_day,
        greatest(work_orders.opened_at, {{ local_midnight_utc('calendar.date_day') }}) as in_from,
        least(
            work_orders.left_at,
            {{ local_midnight_utc(dbt.dateadd('day', 1, 'calendar.date_day')) }}
        ) as in_to
    from work_orders
    inner join calendar
        on
            {{ local_midnight_utc('calendar.date_day') }} < work_orders.left_at
            and {{ local_midnight_utc(dbt.dateadd('day', 1, 'calendar.date_day')) }} > work_orders.opened_at
),

final as (
    select
        vehicle_id,
        date_day as workshop_date,
        {{ dbt.datediff(
            'min(in_from)', 'max(in_to)', 'second'
        ) }} / 3600.0 as workshop_hours
    from order_days
    group by 1, 2
)

select * from final
