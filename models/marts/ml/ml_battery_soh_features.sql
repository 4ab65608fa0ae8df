{#- Battery SoH forecasting (docs/ml/battery_soh.md): one row per vehicle and month start while the vehicle is in the
    fleet. Features read the battery months known on the snapshot date (a month is known var ml_known_after telematics
    days after its last day); the label is the reliable SoH estimate of the month ml_battery_horizon_months after the
    snapshot's month (null when that month has no reliable estimate). -#}
with battery_months as (
    select
        vehicle_id,
        month_start,
        soh_estimate_pct,
        soh_oem_pct,
        is_estimate_reliable,
        equivalent_full_cycles,
        dc_share,
        km_driven
    from {{ ref('fct_battery_health_monthly') }}
),

vehicles as (
    select
        vehicle_id,
        model,
        nominal_capacity_kwh,
        acquired_date,
        disposed_date
    from {{ ref('dim_vehicles') }}
),

reporting_date as (
    select {{ as_of_date() }} as as_of_date
),

known_months as (
    select
        battery_months.*,
        {{ ml_known_date('telematics', dbt.last_day('battery_months.month_start', 'month')) }} as known_date
    from battery_months
),

snapshot_months as (
    select distinct
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as snapshot_date
    from battery_months
),

snapshots as (
    select
        vehicles.vehicle_id,
        snapshot_months.snapshot_date
    from snapshot_months
    cross join reporting_date
    inner join vehicles
        on
            snapshot_months.snapshot_date > vehicles.acquired_date
            and (vehicles.disposed_date is null or snapshot_months.snapshot_date <= vehicles.disposed_date)
    where snapshot_months.snapshot_date <= {{ add_days('reporting_date.as_of_date', 1) }}
),

history as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        known_months.month_start,
        known_months.soh_estimate_pct,
        known_months.soh_oem_pct,
        known_months.is_estimate_reliable,
        known_months.equivalent_full_cycles,
        known_months.dc_share,
        known_months.km_driven,
        row_number() over (
            partition by snapshots.vehicle_id, snapshots.snapshot_date order by known_months.month_start desc
        ) as recency
    from snapshots
    inner join known_months
        on
            snapshots.vehicle_id = known_months.vehicle_id
            and snapshots.snapshot_date >= known_months.known_date
),

reliable as (
    select
        vehicle_id,
        snapshot_date,
        month_start,
        soh_estimate_pct,
        row_number() over (partition by vehicle_id, snapshot_date order by month_start desc) as newest_first,
        row_number() over (partition by vehicle_id, snapshot_date order by month_start) as oldest_first
    from history
    where is_estimate_reliable
),

reliable_summary as (
    select
        vehicle_id,
        snapshot_date,
        count(*) as reliable_months,
        max(case when newest_first = 1 then soh_estimate_pct end) as latest_soh_pct,
        max(case when newest_first = 1 then month_start end) as latest_month,
        max(case when oldest_first = 1 then soh_estimate_pct end) as earliest_soh_pct,
        max(case when oldest_first = 1 then month_start end) as earliest_month
    from reliable
    group by 1, 2
),

history_summary as (
    select
        vehicle_id,
        snapshot_date,
        count(*) as months_known,
        sum(cast(equivalent_full_cycles as {{ dbt.type_numeric() }})) as equivalent_full_cycles,
        sum(cast(km_driven as {{ dbt.type_numeric() }})) as km_driven,
        max(case when recency = 1 then equivalent_full_cycles end) as latest_month_cycles,
        max(case when recency = 1 then dc_share end) as latest_month_dc_share,
        max(case when recency = 1 then soh_oem_pct end) as latest_month_soh_oem_pct
    from history
    group by 1, 2
),

labels as (
    select
        snapshots.vehicle_id,
        snapshots.snapshot_date,
        {%- set label_month = dbt.dateadd('month', var('ml_battery_horizon_months'), 'snapshots.snapshot_date') %}
        {{ ml_known_date('telematics', dbt.last_day(label_month, 'month')) }} as label_known_date,
        max(case when battery_months.is_estimate_reliable then battery_months.soh_estimate_pct end) as soh_pct
    from snapshots
    left join battery_months
        on
            snapshots.vehicle_id = battery_months.vehicle_id
            and battery_months.month_start
            = cast({{ dbt.dateadd('month', var('ml_battery_horizon_months'), 'snapshots.snapshot_date') }} as date)
    group by 1, 2
),

final as (
    select
        history_summary.vehicle_id || '|' || cast(history_summary.snapshot_date as {{ dbt.type_string() }})
            as snapshot_id,
        history_summary.vehicle_id,
        history_summary.snapshot_date,
        vehicles.model as f_model,
        vehicles.nominal_capacity_kwh as f_nominal_capacity_kwh,
        cast(
            {{ days_from_to('vehicles.acquired_date', 'history_summary.snapshot_date') }}
            / 30.4375 as {{ type_double() }}
        )
            as f_age_months,
        cast(history_summary.months_known as {{ dbt.type_int() }}) as f_months_known,
        cast(coalesce(reliable_summary.reliable_months, 0) as {{ dbt.type_int() }}) as f_reliable_months,
        reliable_summary.latest_soh_pct as f_latest_soh_pct,
        cast(
            {{ days_from_to('reliable_summary.latest_month', 'history_summary.snapshot_date') }} / 30.4375
            as {{ type_double() }}
        ) as f_months_since_latest_soh,
        round(
            (reliable_summary.latest_soh_pct - reliable_summary.earliest_soh_pct)
            / nullif(
                {{ days_from_to('reliable_summary.earliest_month', 'reliable_summary.latest_month') }} / 30.4375, 0
            ),
            4
        ) as f_soh_change_pct_per_month,
        history_summary.latest_month_soh_oem_pct as f_latest_soh_oem_pct,
        cast(round(history_summary.equivalent_full_cycles, 3) as {{ type_double() }}) as f_equivalent_full_cycles,
        round(history_summary.latest_month_cycles, 3) as f_latest_month_cycles,
        history_summary.latest_month_dc_share as f_latest_month_dc_share,
        cast(round(history_summary.km_driven, 1) as {{ type_double() }}) as f_km_driven,
        case when labels.label_known_date <= reporting_date.as_of_date then labels.soh_pct end as label,
        labels.label_known_date,
        labels.label_known_date <= reporting_date.as_of_date as label_is_mature,
        reporting_date.as_of_date
    from history_summary
    cross join reporting_date
    inner join vehicles on history_summary.vehicle_id = vehicles.vehicle_id
    inner join labels
        on
            history_summary.vehicle_id = labels.vehicle_id
            and history_summary.snapshot_date = labels.snapshot_date
    left join reliable_summary
        on
            history_summary.vehicle_id = reliable_summary.vehicle_id
            and history_summary.snapshot_date = reliable_summary.snapshot_date
)

select * from final
