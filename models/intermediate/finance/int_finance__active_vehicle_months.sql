{#- A vehicle is active in a month when it was acquired on or before the month's last day and not disposed before
    the month's first day (disposed_date null or >= month_start): shared costs (fleet-wide lines, charging of
    unknown vehicle, the data platform) are split evenly across the month's active vehicles. -#}
with vehicles as (
    select
        vehicle_id,
        acquired_date,
        disposed_date
    from {{ ref('stg_fleet__vehicles') }}
),

months as (
    select
        month_start,
        month_end
    from {{ ref('int_finance__months') }}
),

active as (
    select
        vehicles.vehicle_id,
        months.month_start
    from months
    inner join vehicles
        on
            months.month_end >= vehicles.acquired_date
            and (vehicles.disposed_date is null or months.month_start <= vehicles.disposed_date)
),

final as (
    select
        vehicle_id,
        month_start,
        count(*) over (partition by month_start) as active_vehicles,
        row_number() over (partition by month_start order by vehicle_id) as vehicle_rank
    from active
)

select * from final
