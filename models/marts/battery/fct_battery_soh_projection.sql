{#- Where each battery is heading, for residual value: a Theil-Sen fit of the vehicle's reliable monthly SoH
    estimates (slope = median of the slopes between every pair of months; intercept = median of soh - slope x month),
    evaluated at the due date of the last installment of the vehicle's active LTO contract. A vehicle needs
    var soh_trend_min_months (3) reliable months for a trend of its own (two close months tilt it by their
    noise); the others use the fleet's median slope through their own points. A rising trend counts as flat. -#}
with monthly as (
    select
        vehicle_id,
        month_start,
        soh_estimate_pct,
        {{ month_number('month_start') }} as month_index
    from {{ ref('fct_battery_health_monthly') }}
    -- only months whose estimate rests on enough sessions: a month of one or two sessions (a month that has just
    -- started) would tilt a two-point trend by a point or more, which years of extrapolation turn into tens
    where soh_estimate_pct is not null and is_estimate_reliable
),

contracts as (
    select
        contract_id,
        vehicle_id,
        signed_at
    from {{ ref('stg_lending__lto_contracts') }}
    where status = 'active'
),

contract_ends as (
    select
        contract_id,
        max(due_date) as contract_end_date
    from {{ ref('int_lending__installments') }}
    group by 1
),

pair_slopes as (
    select
        earlier.vehicle_id,
        (later.soh_estimate_pct - earlier.soh_estimate_pct) / (later.month_index - earlier.month_index) as slope
    from monthly as earlier
    inner join monthly as later
        on earlier.vehicle_id = later.vehicle_id and earlier.month_index < later.month_index
),

trended_vehicles as (
    select vehicle_id
    from monthly
    group by 1
    having count(*) >= {{ var('soh_trend_min_months') }}
),

vehicle_slopes as (
    select
        pair_slopes.vehicle_id,
        -- batteries do not gain capacity: a rising fit is estimation noise, read as flat
        least({{ median('pair_slopes.slope') }}, 0) as slope_pct_per_month
    from pair_slopes
    inner join trended_vehicles on pair_slopes.vehicle_id = trended_vehicles.vehicle_id
    group by 1
),

fleet_slope as (
    select {{ median('slope_pct_per_month') }} as slope_pct_per_month
    from vehicle_slopes
),

fitted as (
    select
        monthly.vehicle_id,
        count(*) as months_observed,
        max(monthly.month_start) as latest_month,
        max(vehicle_slopes.slope_pct_per_month) is not null as has_own_trend,
        coalesce(max(vehicle_slopes.slope_pct_per_month), max(fleet_slope.slope_pct_per_month), 0)
            as slope_pct_per_month,
        {{ median(
            'monthly.soh_estimate_pct - coalesce(vehicle_slopes.slope_pct_per_month,'
            ~ ' fleet_slope.slope_pct_per_month, 0) * monthly.month_index'
        ) }} as intercept_pct
    from monthly
    left join vehicle_slopes on monthly.vehicle_id = vehicle_slopes.vehicle_id
    cross join fleet_slope
    group by 1
),

active_contracts as (
    select
        contracts.vehicle_id,
        contracts.contract_id,
        contract_ends.contract_end_date,
        row_number() over (partition by contracts.vehicle_id order by contracts.signed_at desc) as contract_rank
    from contracts
    inner join contract_ends on contracts.contract_id = contract_ends.contract_id
),

final as (
    select
        fitted.vehicle_id,
        fitted.months_observed,
        fitted.latest_month,
        round(
            fitted.intercept_pct + fitted.slope_pct_per_month * {{ month_number('fitted.latest_month') }},
            2
        ) as fitted_soh_latest_pct,
        round(fitted.slope_pct_per_month, 4) as soh_slope_pct_per_month,
        case when fitted.has_own_trend then 'theil_sen_vehicle' else 'fleet_median_slope' end as projection_method,
        active_contracts.contract_id,
        active_contracts.contract_end_date,
        round(
            fitted.intercept_pct
            + fitted.slope_pct_per_month * {{ month_number('active_contracts.contract_end_date') }},
            2
        ) as projected_soh_at_contract_end_pct
    from fitted
    left join active_contracts
        on fitted.vehicle_id = active_contracts.vehicle_id and active_contracts.contract_rank = 1
)

select * from final
