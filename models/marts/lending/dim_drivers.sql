{#- One row per driver: pseudonymous id and non-personal attributes only (personal data never leaves
    staging). Platform facts come from the driver's latest application. -#}
with drivers as (
    select
        driver_id,
        onboarded_date,
        home_zone_id
    from {{ ref('int_lending__drivers') }}
),

applications as (
    select
        application_id,
        driver_id,
        applied_at,
        platform,
        platform_tenure_months,
        platform_rating,
        weekly_earnings_mxn,
        decision
    from {{ ref('int_lending__applications') }}
),

contracts as (
    select
        driver_id,
        contract_id,
        status
    from {{ ref('int_lending__contracts') }}
),

latest_application as (
    select
        driver_id,
        platform,
        platform_tenure_months,
        platform_rating,
        weekly_earnings_mxn
    from (
        select
            *,
            row_number() over (partition by driver_id order by applied_at desc, application_id desc) as app_rank
        from applications
    ) as ranked
    where app_rank = 1
),

application_counts as (
    select
        driver_id,
        count(*) as applications,
        sum(case when decision = 'approved' then 1 else 0 end) as approved_applications
    from applications
    group by 1
),

contract_counts as (
    select
        driver_id,
        count(*) as contracts,
        sum(case when status = 'active' then 1 else 0 end) as active_contracts,
        sum(case when status = 'terminated' then 1 else 0 end) as terminated_contracts
    from contracts
    group by 1
),

final as (
    select
        drivers.driver_id,
        drivers.onboarded_date,
        drivers.home_zone_id,
        latest_application.platform,
        latest_application.platform_tenure_months,
        latest_application.platform_rating,
        latest_application.weekly_earnings_mxn,
        coalesce(application_counts.applications, 0) as applications,
        coalesce(application_counts.approved_applications, 0) as approved_applications,
        coalesce(contract_counts.contracts, 0) as contracts,
        coalesce(contract_counts.active_contracts, 0) as active_contracts,
        coalesce(contract_counts.terminated_contracts, 0) as terminated_contracts
    from drivers
    left join latest_application on drivers.driver_id = latest_application.driver_id
    left join application_counts on drivers.driver_id = application_counts.driver_id
    left join contract_counts on drivers.driver_id = contract_counts.driver_id
)

select * from final
