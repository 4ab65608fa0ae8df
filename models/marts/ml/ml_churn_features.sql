{#- Driver churn (docs/ml/churn.md): one row per driver and Monday snapshot (to the day after the as-of date) while
    the driver is active (a trip among the 28 trip days known on the snapshot date). Features read only trips and
    payments known on the snapshot date (var ml_known_after); the label is true when the driver makes no trip in the
    ml_churn_horizon_days from the snapshot. -#}
with operating_days as (
    select date_day
    from {{ ref('int_trips__operating_days') }}
),

driver_days as (
    select
        driver_id,
        trip_date,
        trips,
        hours_on_trip,
        gross_fares_mxn
    from {{ ref('int_trips__driver_days') }}
),

drivers as (
    select
        driver_id,
        onboarded_date
    from {{ ref('dim_drivers') }}
),

contracts as (
    select
        contract_id,
        driver_id
    from {{ ref('dim_contracts') }}
),

contract_days as (
    select
        contract_id,
        date_day,
        dpd,
        arrears_mxn,
        is_in_portfolio
    from {{ ref('int_lending__contract_days') }}
),

-- a label is mature once its horizon's trips are all known by the as-of date and inside the trips' span
bounds as (
    select
        as_of_date,
        least(as_of_date, {{ add_days('trips_through_date', var('ml_known_after')['trips']) }}) as labels_known_through
    from (
        select
            max(date_day) as trips_through_date,
            {{ as_of_date() }} as as_of_date
        from operating_days
    ) as span
),

-- Mondays from the trips' first day through the day after the as-of date (the snapshot scored today)
snapshot_days as (
    {{ days_between('(select min(date_day) from operating_days)', add_days(as_of_date(), 1)) }}
),

snapshot_dates as (
    select
        date_day as snapshot_date,
        {{ ml_last_known_date('trips', 'date_day') }} as last_trip_day_known,
        {{ ml_last_known_date('payments', 'date_day') }} as last_payment_day_known
    from snapshot_days
    where {{ week_start('date_day') }} = date_day
),

-- tenure runs from onboarding or the first trip, whichever is earlier
first_trips as (
    select
        driver_days.driver_id,
        least(min(driver_days.trip_date), coalesce(min(drivers.onboarded_date), min(driver_days.trip_date)))
            as started_date
    from driver_days
    left join drivers on driver_days.driver_id = drivers.driver_id
    group by 1
),

-- trip days known on each snapshot date, with their age in days before the last known day
known_days as (
    select
        snapshot_dates.snapshot_date,
        driver_days.driver_id,
        driver_days.trips,
        driver_days.hours_on_trip,
        driver_days.gross_fares_mxn,
        {{ days_from_to('driver_days.trip_date', 'snapshot_dates.last_trip_day_known') }} as age_days
    from snapshot_dates
    inner join driver_days
        on
            snapshot_dates.last_trip_day_known >= driver_days.trip_date
            and driver_days.trip_date > {{ add_days('snapshot_dates.last_trip_day_known', -56) }}
),

trip_features as (
    select
        snapshot_date,
        driver_id,
        sum(case when age_days < 7 then trips else 0 end) as trips_7d,
        sum(case when age_days < 28 then trips else 0 end) as trips_28d,
        sum(case when age_days >= 28 then trips else 0 end) as trips_prev_28d,
        sum(case when age_days < 28 then 1 else 0 end) as active_days_28d,
        sum(case when age_days < 28 then cast(hours_on_trip as {{ dbt.type_numeric() }}) else 0 end)
            as hours_on_trip_28d,
        sum(case when age_days < 28 then gross_fares_mxn else 0 end) as gross_fares_28d_mxn,
        min(age_days) as days_since_last_trip
    from known_days
    group by 1, 2
),

-- the driver's contracts on the last payment day known: in portfolio, days past due, arrears
lending_features as (
    select
        snapshot_dates.snapshot_date,
        contracts.driver_id,
        max(case when contract_days.is_in_portfolio then 1 else 0 end) as has_contract_in_portfolio,
        max(contract_days.dpd) as dpd,
        sum(contract_days.arrears_mxn) as arrears_mxn
    from snapshot_dates
    inner join contract_days on snapshot_dates.last_payment_day_known = contract_days.date_day
    inner join contracts on contract_days.contract_id = contracts.contract_id
    group by 1, 2
),

labels as (
    select
        snapshot_dates.snapshot_date,
        driver_days.driver_id,
        sum(driver_days.trips) as trips_in_horizon
    from snapshot_dates
    inner join driver_days
        on
            snapshot_dates.snapshot_date <= driver_days.trip_date
            and driver_days.trip_date < {{ add_days('snapshot_dates.snapshot_date', var('ml_churn_horizon_days')) }}
    group by 1, 2
),

snapshots as (
    select
        trip_features.snapshot_date,
        trip_features.driver_id,
        {{ ml_known_date('trips', add_days('trip_features.snapshot_date', var('ml_churn_horizon_days') - 1)) }}
            as label_known_date
    from trip_features
    where trip_features.trips_28d > 0
),

final as (
    select
        snapshots.driver_id || '|' || cast(snapshots.snapshot_date as {{ dbt.type_string() }}) as snapshot_id,
        snapshots.driver_id,
        snapshots.snapshot_date,
        cast(trip_features.trips_7d as {{ dbt.type_int() }}) as f_trips_7d,
        cast(trip_features.trips_28d as {{ dbt.type_int() }}) as f_trips_28d,
        cast(trip_features.trips_prev_28d as {{ dbt.type_int() }}) as f_trips_prev_28d,
        round(trip_features.trips_28d / nullif(cast(trip_features.trips_prev_28d as {{ type_double() }}), 0), 4)
            as f_trips_28d_over_prev_28d,
        cast(trip_features.active_days_28d as {{ dbt.type_int() }}) as f_active_days_28d,
        cast(round(trip_features.hours_on_trip_28d, 3) as {{ type_double() }}) as f_hours_on_trip_28d,
        cast(trip_features.gross_fares_28d_mxn as {{ type_double() }}) as f_gross_fares_28d_mxn,
        cast(trip_features.days_since_last_trip as {{ dbt.type_int() }}) as f_days_since_last_trip,
        cast({{ days_from_to('first_trips.started_date', 'snapshots.snapshot_date') }} as {{ dbt.type_int() }})
            as f_tenure_days,
        coalesce(lending_features.has_contract_in_portfolio, 0) = 1 as f_has_contract_in_portfolio,
        cast(lending_features.dpd as {{ dbt.type_int() }}) as f_dpd,
        cast(lending_features.arrears_mxn as {{ type_double() }}) as f_arrears_mxn,
        case
            when snapshots.label_known_date <= bounds.labels_known_through
                then coalesce(labels.trips_in_horizon, 0) = 0
        end as label,
        snapshots.label_known_date,
        snapshots.label_known_date <= bounds.labels_known_through as label_is_mature,
        bounds.as_of_date
    from snapshots
    cross join bounds
    inner join trip_features
        on
            snapshots.snapshot_date = trip_features.snapshot_date
            and snapshots.driver_id = trip_features.driver_id
    inner join first_trips on snapshots.driver_id = first_trips.driver_id
    left join lending_features
        on
            snapshots.snapshot_date = lending_features.snapshot_date
            and snapshots.driver_id = lending_features.driver_id
    left join labels
        on
            snapshots.snapshot_date = labels.snapshot_date
            and snapshots.driver_id = labels.driver_id
)

select * from final
