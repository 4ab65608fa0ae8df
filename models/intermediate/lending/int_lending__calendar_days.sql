{#- Every local date from the first contract signature to the as-of date (int_reporting__as_of_date). -#}
with bounds as (
    select
        min(signed_date) as first_date,
        {{ as_of_date() }} as last_date
    from {{ ref('stg_lending__lto_contracts') }}
),

days as (
    {{ days_between('(select first_date from bounds)', '(select last_date from bounds)') }}
),

final as (
    select date_day
    from days
)

select * from final
