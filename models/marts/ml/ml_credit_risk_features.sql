{#- Credit risk at application (docs/ml/credit_risk.md): one row per credit application, the snapshot is the application
    date (the decision). Features are what was known then: the application itself, the driver's trips on LAFA vehicles
    and prior contracts known on that date (var ml_known_after); nothing of the contracts signed under it. The label:
    some contract of the application reached DPD > ml_credit_default_dpd within ml_credit_horizon_days of the first
    signing; null for an application with no contract, or whose contracts were all cancelled by the horizon's end. -#}
with applications as (
    select
        application_id,
        driver_id,
        applied_date,
        platform,
        platform_tenure_months,
        platform_rating,
        weekly_earnings_mxn,
        decision,
        first_signed_date
    from {{ ref('int_lending__applications') }}
),

driver_days as (
    select
        driver_id,
        trip_date,
        trips,
        gross_fares_mxn
    from {{ ref('int_trips__driver_days') }}
),

contracts as (
    select
        contract_id,
        application_id,
        driver_id,
        signed_date
    from {{ ref('dim_contracts') }}
),

contract_days as (
    select
        contract_id,
        date_day,
        dpd,
        arrears_mxn,
        exit_state
    from {{ ref('int_lending__contract_days') }}
),

reporting_date as (
    select {{ as_of_date() }} as as_of_date
),

snapshots as (
    select
        application_id,
        driver_id,
        applied_date as snapshot_date,
        {{ ml_last_known_date('trips', 'applied_date') }} as last_trip_day_known,
        {{ ml_last_known_date('payments', 'applied_date') }} as last_payment_day_known,
        first_signed_date,
        {{ add_days('first_signed_date', var('ml_credit_horizon_days') - 1) }} as horizon_last_date
    from applications
),

trip_features as (
    select
        snapshots.application_id,
        sum(driver_days.trips) as trips_90d,
        count(*) as active_days_90d,
        sum(driver_days.gross_fares_mxn) as gross_fares_90d_mxn
    from snapshots
    inner join driver_days
        on
            snapshots.driver_id = driver_days.driver_id
            and snapshots.last_trip_day_known >= driver_days.trip_date
            and driver_days.trip_date > {{ add_days('snapshots.last_trip_day_known', -90) }}
    group by 1
),

-- the driver's earlier contracts (other applications, signed before the snapshot), as known on the last payment day
-- known
prior_contracts as (
    select
        snapshots.application_id,
        contracts.contract_id
    from snapshots
    inner join contracts
        on
            snapshots.driver_id = contracts.driver_id
            and snapshots.application_id != contracts.application_id
            and snapshots.snapshot_date > contracts.signed_date
),

prior_features as (
    select
        prior_contracts.application_id,
        count(distinct prior_contracts.contract_id) as prior_contracts,
        max(contract_days.dpd) as prior_max_dpd,
        sum(case when contract_days.date_day = snapshots.last_payment_day_known then contract_days.arrears_mxn end)
            as prior_arrears_mxn
    from prior_contracts
    inner join snapshots on prior_contracts.application_id = snapshots.application_id
    left join contract_days
        on
            prior_contracts.contract_id = contract_days.contract_id
            and snapshots.last_payment_day_known >= contract_days.date_day
    group by 1
),

-- the application's own book over the label horizon (labels only)
outcomes as (
    select
        snapshots.application_id,
        max(contract_days.dpd) as max_dpd_in_horizon,
        max(
            case
                when contract_days.date_day = snapshots.horizon_last_date and contract_days.exit_state is null then 1
                when contract_days.date_day = snapshots.horizon_last_date and contract_days.exit_state != 'cancelled'
                    then 1
                else 0
            end
        ) as is_observed_to_horizon_end
    from snapshots
    inner join contracts on snapshots.application_id = contracts.application_id
    inner join contract_days
        on
            contracts.contract_id = contract_days.contract_id
            and snapshots.first_signed_date <= contract_days.date_day
            and snapshots.horizon_last_date >= contract_days.date_day
    group by 1
),

labelled as (
    select
        snapshots.application_id,
        {{ ml_known_date('payments', 'snapshots.horizon_last_date') }} as label_known_date,
        outcomes.max_dpd_in_horizon,
        outcomes.is_observed_to_horizon_end
    from snapshots
    left join outcomes on snapshots.application_id = outcomes.application_id
),

final as (
    select
        applications.application_id as snapshot_id,
        applications.application_id,
        applications.driver_id,
        applications.applied_date as snapshot_date,
        applications.decision,
        applications.platform as f_platform,
        applications.platform_tenure_months as f_platform_tenure_months,
        applications.platform_rating as f_platform_rating,
        cast(applications.weekly_earnings_mxn as {{ type_double() }}) as f_weekly_earnings_mxn,
        cast(coalesce(trip_features.trips_90d, 0) as {{ dbt.type_int() }}) as f_lafa_trips_90d,
        cast(coalesce(trip_features.active_days_90d, 0) as {{ dbt.type_int() }}) as f_lafa_active_days_90d,
        cast(coalesce(trip_features.gross_fares_90d_mxn, 0) as {{ type_double() }}) as f_lafa_gross_fares_90d_mxn,
        cast(coalesce(prior_features.prior_contracts, 0) as {{ dbt.type_int() }}) as f_prior_contracts,
        cast(prior_features.prior_max_dpd as {{ dbt.type_int() }}) as f_prior_max_dpd,
        cast(prior_features.prior_arrears_mxn as {{ type_double() }}) as f_prior_arrears_mxn,
        case
            when labelled.label_known_date > reporting_date.as_of_date then null
            when labelled.max_dpd_in_horizon > {{ var('ml_credit_default_dpd') }} then true
            when labelled.is_observed_to_horizon_end = 1 then false
        end as label,
        labelled.label_known_date,
        coalesce(labelled.label_known_date <= reporting_date.as_of_date, false) as label_is_mature,
        reporting_date.as_of_date
    from applications
    cross join reporting_date
    inner join labelled on applications.application_id = labelled.application_id
    left join trip_features on applications.application_id = trip_features.application_id
    left join prior_features on applications.application_id = prior_features.application_id
)

select * from final
