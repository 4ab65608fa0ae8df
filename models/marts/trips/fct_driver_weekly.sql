{#- One row per driver and ISO week (Monday start) of the operating span, from the week the driver was onboarded
    or of the driver's first trip if earlier (a driver only the trips export names: from the first trip), whether or
    not the driver held a contract: trips, hours and km on trip, gross fares
    per platform and in total, days active, the installments due that week on the driver's contracts, and fares over
    installment due (the affordability signal; null in a week with nothing due). The span's last week may be partial
    (days_in_span < 7). -#}
with drivers as (
    select
        driver_id,
        onboarded_date
    from {{ ref('dim_drivers') }}
),

operating_days as (
    select
        date_day,
        week_start_date
    from {{ ref('int_trips__operating_days') }}
),

driver_days as (
    select
        driver_id,
        trip_date,
        trips,
        hours_on_trip,
        km_on_trip,
        {%- for platform in var('trip_platforms') %}
            fares_{{ platform }}_mxn,
        {%- endfor %}
        gross_fares_mxn
    from {{ ref('int_trips__driver_days') }}
),

contracts as (
    select
        contract_id,
        driver_id
    from {{ ref('dim_contracts') }}
),

installments as (
    select
        contract_id,
        due_date,
        amount_mxn
    from {{ ref('int_lending__installments') }}
),

weeks as (
    select
        week_start_date,
        min(date_day) as first_date,
        max(date_day) as last_date,
        count(*) as days_in_span
    from operating_days
    group by 1
),

first_trips as (
    select
        driver_id,
        min(trip_date) as first_trip_date
    from driver_days
    group by 1
),

known_drivers as (
    -- every driver of the drivers export, and any driver a trip names that it does not list (yet); weeks start at
    -- onboarding or at the driver's first trip, whichever is earlier: no trip is lost
    select
        coalesce(drivers.driver_id, first_trips.driver_id) as driver_id,
        case
            when drivers.onboarded_date is null then first_trips.first_trip_date
            when first_trips.first_trip_date < drivers.onboarded_date then first_trips.first_trip_date
            else drivers.onboarded_date
        end as first_date
    from drivers
    full outer join first_trips
        on drivers.driver_id = first_trips.driver_id
),

driver_weeks as (
    select
        known_drivers.driver_id,
        weeks.week_start_date,
        weeks.days_in_span
    from known_drivers
    inner join weeks
        on weeks.last_date >= coalesce(known_drivers.first_date, weeks.first_date)
),

weekly_trips as (
    select
        driver_days.driver_id,
        operating_days.week_start_date,
        sum(driver_days.trips) as trips,
        sum(driver_days.hours_on_trip) as hours_on_trip,
        sum(driver_days.km_on_trip) as km_on_trip,
        {%- for platform in var('trip_platforms') %}
            sum(driver_days.fares_{{ platform }}_mxn) as fares_{{ platform }}_mxn,
        {%- endfor %}
        sum(driver_days.gross_fares_mxn) as gross_fares_mxn,
        count(*) as days_active
    from driver_days
    inner join operating_days
        on driver_days.trip_date = operating_days.date_day
    group by 1, 2
),

weekly_due as (
    select
        contracts.driver_id,
        {{ week_start('installments.due_date') }} as week_start_date,
        count(*) as installments_due,
        sum(installments.amount_mxn) as installment_due_mxn
    from installments
    inner join contracts
        on installments.contract_id = contracts.contract_id
    group by 1, 2
),

final as (
    select
        driver_weeks.driver_id,
        driver_weeks.week_start_date,
        cast(driver_weeks.days_in_span as {{ dbt.type_int() }}) as days_in_span,
        cast(coalesce(weekly_trips.trips, 0) as {{ dbt.type_int() }}) as trips,
        round(coalesce(weekly_trips.hours_on_trip, 0), 3) as hours_on_trip,
        round(coalesce(weekly_trips.km_on_trip, 0), 3) as km_on_trip,
        {%- for platform in var('trip_platforms') %}
            cast(coalesce(weekly_trips.fares_{{ platform }}_mxn, 0) as {{ type_money() }}) as fares_{{ platform }}_mxn,
        {%- endfor %}
        cast(coalesce(weekly_trips.gross_fares_mxn, 0) as {{ type_money() }}) as gross_fares_mxn,
        cast(coalesce(weekly_trips.days_active, 0) as {{ dbt.type_int() }}) as days_active,
        cast(coalesce(weekly_due.installments_due, 0) as {{ dbt.type_int() }}) as installments_due,
        cast(coalesce(weekly_due.installment_due_mxn, 0) as {{ type_money() }}) as installment_due_mxn,
        round(
            coalesce(weekly_trips.gross_fares_mxn, 0) / nullif(weekly_due.installment_due_mxn, 0), 4
        ) as fares_to_installment_ratio
    from driver_weeks
    left join weekly_trips
        on
            driver_weeks.driver_id = weekly_trips.driver_id
            and driver_weeks.week_start_date = weekly_trips.week_start_date
    left join weekly_due
        on
            driver_weeks.driver_id = weekly_due.driver_id
            and driver_weeks.week_start_date = weekly_due.week_start_date
)

select * from final
