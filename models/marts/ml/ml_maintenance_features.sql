{#- Maintenance (docs/ml/maintenance.md): one row per vehicle and local date in the fleet. Features read the km, work
    orders and trouble codes known on the snapshot date (var ml_known_after: telematics days; work orders and codes are
    exported monthly, so known from the first day of the next month); the label is true when a corrective work order
    of the vehicle opens within ml_maintenance_horizon_days from the snapshot. -#}
with vehicle_days as (
    select
        vehicle_id,
        activity_date,
        km_driven
    from {{ ref('fct_vehicle_utilisation_daily') }}
    where is_in_fleet
),

vehicles as (
    select
        vehicle_id,
        model,
        acquired_date,
        disposed_date
    from {{ ref('dim_vehicles') }}
),

work_orders as (
    select
        vehicle_id,
        kind,
        opened_date
    from {{ ref('int_maintenance__work_orders') }}
),

code_days as (
    select
        vehicle_id,
        recorded_date,
        dtc_events,
        dtc_warning_events,
        dtc_critical_events
    from {{ ref('int_maintenance__diagnostic_code_days') }}
),

reporting_date as (
    select {{ as_of_date() }} as as_of_date
),

-- the fleet's vehicle-days, and the day after the as-of date (the snapshot scored today) for the vehicles in the fleet
-- then
snapshot_days as (
    select
        vehicle_id,
        activity_date as snapshot_date
    from vehicle_days
    union all
    select
        vehicles.vehicle_id,
        {{ add_days('reporting_date.as_of_date', 1) }} as snapshot_date
    from vehicles
    cross join reporting_date
    where
        vehicles.acquired_date <= {{ add_days('reporting_date.as_of_date', 1) }}
        and (vehicles.disposed_date is null or vehicles.disposed_date > reporting_date.as_of_date)
),

snapshots as (
    select distinct
        vehicle_id,
        snapshot_date,
        {{ ml_last_known_date('telematics', 'snapshot_date') }} as last_km_day_known
    from snapshot_days
),

km_features as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        sum(cast(vehicle_days.km_driven as {{ dbt.type_numeric() }})) as km_30d
    from snapshots
    inner join vehicle_days
        on
            snapshots.vehicle_id = vehicle_days.vehicle_id
            and snapshots.last_km_day_known >= vehicle_days.activity_date
            and vehicle_days.activity_date > {{ add_days('snapshots.last_km_day_known', -30) }}
    group by 1, 2
),

known_orders as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        max(case when work_orders.kind = 'preventive' then work_orders.opened_date end) as last_preventive_date,
        sum(
            case
                when
                    work_orders.kind = 'corrective'
                    and work_orders.opened_date > {{ add_days('snapshots.snapshot_date', -365) }}
                    then 1
                else 0
            end
        ) as corrective_orders_365d
    from snapshots
    inner join work_orders
        on
            snapshots.vehicle_id = work_orders.vehicle_id
            and {{ ml_known_date('work_orders', 'work_orders.opened_date') }} <= snapshots.snapshot_date
    group by 1, 2
),

-- km driven since the last preventive service known, over the km days known
km_since_service as (
    select
        known_orders.vehicle_id,
        known_orders.snapshot_date,
        sum(cast(vehicle_days.km_driven as {{ dbt.type_numeric() }})) as km_since_last_service
    from known_orders
    inner join snapshots
        on
            known_orders.vehicle_id = snapshots.vehicle_id
            and known_orders.snapshot_date = snapshots.snapshot_date
    inner join vehicle_days
        on
            known_orders.vehicle_id = vehicle_days.vehicle_id
            and known_orders.last_preventive_date <= vehicle_days.activity_date
            and snapshots.last_km_day_known >= vehicle_days.activity_date
    group by 1, 2
),

code_features as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        sum(code_days.dtc_events) as dtc_events_90d,
        sum(code_days.dtc_warning_events) as dtc_warning_events_90d,
        sum(code_days.dtc_critical_events) as dtc_critical_events_90d
    from snapshots
    inner join code_days
        on
            snapshots.vehicle_id = code_days.vehicle_id
            and {{ ml_known_date('diagnostic_codes', 'code_days.recorded_date') }} <= snapshots.snapshot_date
            and code_days.recorded_date > {{ add_days('snapshots.snapshot_date', -90) }}
    group by 1, 2
),

labels as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        {{ ml_known_date('work_orders', add_days('snapshots.snapshot_date', var('ml_maintenance_horizon_days') - 1)) }}
            as label_known_date,
        count(work_orders.opened_date) as corrective_orders_in_horizon
    from snapshots
    left join work_orders
        on
            snapshots.vehicle_id = work_orders.vehicle_id
            and work_orders.kind = 'corrective'
            and snapshots.snapshot_date <= work_orders.opened_date
            and work_orders.opened_date
            < {{ add_days('snapshots.snapshot_date', var('ml_maintenance_horizon_days')) }}
    group by 1, 2
),

final as (
    select
        snapshots.vehicle_id || '|' || cast(snapshots.snapshot_date as {{ dbt.type_string() }}) as snapshot_id,
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        vehicles.model as f_model,
        cast({{ days_from_to('vehicles.acquired_date', 'snapshots.snapshot_date') }} as {{ dbt.type_int() }})
            as f_age_days,
        cast(round(coalesce(km_features.km_30d, 0), 1) as {{ type_double() }}) as f_km_30d,
        cast({{ days_from_to('known_orders.last_preventive_date', 'snapshots.snapshot_date') }} as {{ dbt.type_int() }})
            as f_days_since_last_service,
        cast(round(km_since_service.km_since_last_service, 1) as {{ type_double() }}) as f_km_since_last_service,
        cast(coalesce(known_orders.corrective_orders_365d, 0) as {{ dbt.type_int() }}) as f_corrective_orders_365d,
        cast(coalesce(code_features.dtc_events_90d, 0) as {{ dbt.type_int() }}) as f_dtc_events_90d,
        cast(coalesce(code_features.dtc_warning_events_90d, 0) as {{ dbt.type_int() }}) as f_dtc_warning_events_90d,
        cast(coalesce(code_features.dtc_critical_events_90d, 0) as {{ dbt.type_int() }}) as f_dtc_critical_events_90d,
        case
            when labels.label_known_date <= reporting_date.as_of_date then labels.corrective_orders_in_horizon > 0
        end as label,
        labels.label_known_date,
        labels.label_known_date <= reporting_date.as_of_date as label_is_mature,
        reporting_date.as_of_date
    from snapshots
    cross join reporting_date
    inner join vehicles on snapshots.vehicle_id = vehicles.vehicle_id
    inner join labels
        on
            snapshots.vehicle_id = labels.vehicle_id
            and snapshots.snapshot_date = labels.snapshot_date
    left join km_features
        on
            snapshots.vehicle_id = km_features.vehicle_id
            and snapshots.snapshot_date = km_features.snapshot_date
    left join known_orders
        on
            snapshots.vehicle_id = known_orders.vehicle_id
            and snapshots.snapshot_date = known_orders.snapshot_date
    left join km_since_service
        on
            snapshots.vehicle_id = km_since_service.vehicle_id
            and snapshots.snapshot_date = km_since_service.snapshot_date
    left join code_features
        on
            snapshots.vehicle_id = code_features.vehicle_id
            and snapshots.snapshot_date = code_features.snapshot_date
)

select * from final
