{#- One row per local date of the operating span: vehicles in the fleet, with a trip, in the workshop and idle
    (fct_vehicle_utilisation_daily's definitions; days of vehicles outside the fleet left out), and the fleet idle
    rate. -#}
with vehicle_days as (
    select
        activity_date,
        trips,
        is_in_workshop,
        is_idle
    from {{ ref('fct_vehicle_utilisation_daily') }}
    where is_in_fleet
),

final as (
    select
        activity_date,
        count(*) as vehicles_in_fleet,
        cast(sum(case when trips > 0 then 1 else 0 end) as {{ dbt.type_int() }}) as vehicles_with_trips,
        cast(sum(case when is_in_workshop then 1 else 0 end) as {{ dbt.type_int() }}) as vehicles_in_workshop,
        cast(sum(case when is_idle then 1 else 0 end) as {{ dbt.type_int() }}) as idle_vehicles,
        round(sum(case when is_idle then 1 else 0 end) / count(*), 4) as idle_rate
    from vehicle_days
    group by 1
)

select * from final
