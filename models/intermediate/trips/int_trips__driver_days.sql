{#- Trips per driver and local date, with gross fares per platform (var trip_platforms). -#}
with trips as (
    select
        driver_id,
        started_date,
        platform,
        hours_on_trip,
        distance_km,
        fare_mxn
    from {{ ref('int_trips__trips') }}
),

final as (
    select
        driver_id,
        started_date as trip_date,
        count(*) as trips,
        sum(hours_on_trip) as hours_on_trip,
        sum(distance_km) as km_on_trip,
        sum(fare_mxn) as gross_fares_mxn,
    {%- for platform in var('trip_platforms') %}
        sum(case when platform = '{{ platform }}' then fare_mxn else 0 end) as fares_{{ platform }}_mxn
        {{- "," if not loop.last }}
    {%- endfor %}
    from trips
    group by 1, 2
)

select * from final
