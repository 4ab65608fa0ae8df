{#- One row per credit application with what its decision rested on and the book it opened: the first contract signed
    under it and how many (a vehicle swap signs a new contract under the same application). -#}
with applications as (
    select
        application_id,
        driver_id,
        applied_at,
        applied_date,
        platform,
        platform_tenure_months,
        platform_rating,
        weekly_earnings_mxn,
        decision
    from {{ ref('stg_lending__credit_applications') }}
),

contracts as (
    select
        contract_id,
        application_id,
        signed_at,
        signed_date
    from {{ ref('stg_lending__lto_contracts') }}
),

books as (
    select
        application_id,
        min(signed_date) as first_signed_date,
        count(*) as contracts
    from contracts
    group by 1
),

final as (
    select
        applications.application_id,
        applications.driver_id,
        applications.applied_at,
        applications.applied_date,
        applications.platform,
        applications.platform_tenure_months,
        applications.platform_rating,
        applications.weekly_earnings_mxn,
        applications.decision,
        books.first_signed_date,
        cast(coalesce(books.contracts, 0) as {{ dbt.type_int() }}) as contracts
    from applications
    left join books on applications.application_id = books.application_id
)

select * from final
