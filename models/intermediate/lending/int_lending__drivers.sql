{#- One row per driver: the pseudonymous id and the non-personal attributes every downstream model may use (the
    keyed phone and CURP tokens stay in staging, for matching only). -#}
with drivers as (
    select
        driver_id,
        onboarded_at,
        home_zone_id
    from {{ ref('stg_lending__drivers') }}
),

final as (
    select
        driver_id,
        onboarded_at,
        {{ local_date('onboarded_at') }} as onboarded_date,
        home_zone_id
    from drivers
)

select * from final
