{#- Where each battery is heading, for residual value (docs/design.md, "Metric definitions"; the projection rule
    lives here; the why and what the interval means: docs/fleet_battery.md). Months: x = month_number(month_start)
    + 0.5 of the vehicle's reliable months (>= 3 qualifying sessions): a month's estimate, the median of its
    sessions, stands for the middle of the month (at its start, every projection read half a month of fade too
    much); span = latest x - earliest x.
    - Own trend (span >= var soh_projection_min_span_months, 6): Theil-Sen slope = median of the slopes between
      every pair of its months, with Sen's (1968) 90 % confidence interval of the slope exactly as
      scipy.stats.theilslopes(y, x, alpha=0.90) picks it from the sorted pairwise slopes (ties in SoH included).
    - Otherwise the fleet prior: slope, slope bounds and span = the medians of those of the vehicles with a trend of
      their own; none when no vehicle has one (null with a reason, never a slope of 0).
    - Intercept = median of (soh - slope x) over the vehicle's own months; level = the line in the middle
      of the latest month.
    - Projection (bounds) = level + slope (lower, upper slope) x horizon, horizon = contract end - that middle (0 if
      the contract end is earlier); contract end = due date of the last installment of the vehicle's current contract
      (int_lending__contracts: its latest, while active). Null, with a reason, beyond var soh_projection_max_horizon_ratio (4) x the span the slope rests on.
    - Slopes are never clamped; the published values are: never above the level, within 0-100.
    Medians and ranks are taken with row_number, so they are exact on BigQuery too. -#}
with health_months as (
    select
        vehicle_id,
        month_start,
        soh_estimate_pct,
        is_estimate_reliable
    from {{ ref('fct_battery_health_monthly') }}
),

-- the vehicle's current contract: its latest, while active; it ends on its last installment's due date
active_contracts as (
    select
        vehicle_id,
        contract_id,
        last_due_date as contract_end_date
    from {{ ref('int_lending__contracts') }}
    where is_latest_for_vehicle and status = 'active'
),

monthly as (
    select
        vehicle_id,
        month_start,
        soh_estimate_pct,
        {{ month_number('month_start') }} + 0.5 as month_x
    from health_months
    where is_estimate_reliable and soh_estimate_pct is not null
),

vehicle_months as (
    select
        vehicle_id,
        count(*) as months_observed,
        max(month_start) as latest_month,
        max(month_x) as latest_x,
        max(month_x) - min(month_x) as span_months
    from monthly
    group by 1
),

own_trend_months as (
    select
        monthly.vehicle_id,
        monthly.month_x,
        monthly.soh_estimate_pct
    from monthly
    inner join vehicle_months on monthly.vehicle_id = vehicle_months.vehicle_id
    where vehicle_months.span_months >= {{ var('soh_projection_min_span_months') }}
),

pair_slopes as (
    select
        earlier.vehicle_id,
        (later.soh_estimate_pct - earlier.soh_estimate_pct) / (later.month_x - earlier.month_x) as slope
    from own_trend_months as earlier
    inner join own_trend_months as later
        on earlier.vehicle_id = later.vehicle_id and earlier.month_x < later.month_x
),

ranked_pair_slopes as (
    select
        vehicle_id,
        slope,
        row_number() over (partition by vehicle_id order by slope) as slope_rank
    from pair_slopes
),

-- Sen's variance of the pairwise-slope statistic loses k (k - 1) (2k + 5) for each group of k months with the same
-- SoH (the months of a vehicle are distinct, so x has no ties)
soh_value_counts as (
    select
        vehicle_id,
        soh_estimate_pct,
        count(*) as tied_months
    from own_trend_months
    group by 1, 2
),

soh_ties as (
    select
        vehicle_id,
        sum(tied_months * (tied_months - 1) * (2 * tied_months + 5)) as tie_term
    from soh_value_counts
    group by 1
),

sen_sigma as (
    select
        vehicle_months.vehicle_id,
        vehicle_months.months_observed * (vehicle_months.months_observed - 1) / 2 as pair_count,
        sqrt(
            (
                vehicle_months.months_observed * (vehicle_months.months_observed - 1)
                * (2 * vehicle_months.months_observed + 5)
                - soh_ties.tie_term
            ) / 18.0
        ) as sigma
    from vehicle_months
    inner join soh_ties on vehicle_months.vehicle_id = soh_ties.vehicle_id
),

-- scipy: Ru = min(round((N + z sigma) / 2), N - 1), Rl = max(round((N - z sigma) / 2) - 1, 0), 0-based, z = the
-- standard normal's 95th percentile, round half to even (np.round); + 1 for row_number
sen_positions as (
    select
        vehicle_id,
        pair_count,
        (pair_count - 1.6448536269514729 * sigma) / 2 as lower_position,
        (pair_count + 1.6448536269514729 * sigma) / 2 as upper_position
    from sen_sigma
),

sen_ranks as (
    select
        vehicle_id,
        floor((pair_count + 1) / 2) as median_rank_low,
        ceil((pair_count + 1) / 2) as median_rank_high,
        greatest(
            case
                when lower_position - floor(lower_position) = 0.5 then 2 * round(lower_position / 2)
                else round(lower_position)
            end,
            1
        ) as lower_rank,
        least(
            case
                when upper_position - floor(upper_position) = 0.5 then 2 * round(upper_position / 2)
                else round(upper_position)
            end + 1,
            pair_count
        ) as upper_rank
    from sen_positions
),

own_slopes as (
    select
        ranked_pair_slopes.vehicle_id,
        avg(
            case
                when ranked_pair_slopes.slope_rank in (sen_ranks.median_rank_low, sen_ranks.median_rank_high)
                    then ranked_pair_slopes.slope
            end
        ) as slope,
        max(case when ranked_pair_slopes.slope_rank = sen_ranks.lower_rank then ranked_pair_slopes.slope end)
            as slope_lower,
        max(case when ranked_pair_slopes.slope_rank = sen_ranks.upper_rank then ranked_pair_slopes.slope end)
            as slope_upper
    from ranked_pair_slopes
    inner join sen_ranks on ranked_pair_slopes.vehicle_id = sen_ranks.vehicle_id
    group by 1
),

ranked_own_slopes as (
    select
        own_slopes.slope,
        own_slopes.slope_lower,
        own_slopes.slope_upper,
        vehicle_months.span_months,
        row_number() over (order by own_slopes.slope) as slope_rank,
        row_number() over (order by own_slopes.slope_lower) as lower_rank,
        row_number() over (order by own_slopes.slope_upper) as upper_rank,
        row_number() over (order by vehicle_months.span_months) as span_rank,
        count(*) over () as vehicles
    from own_slopes
    inner join vehicle_months on own_slopes.vehicle_id = vehicle_months.vehicle_id
),

-- one row; all null when no vehicle has a trend of its own
fleet_prior as (
    select
        avg(case when slope_rank in (floor((vehicles + 1) / 2), ceil((vehicles + 1) / 2)) then slope end) as slope,
        avg(case when lower_rank in (floor((vehicles + 1) / 2), ceil((vehicles + 1) / 2)) then slope_lower end)
            as slope_lower,
        avg(case when upper_rank in (floor((vehicles + 1) / 2), ceil((vehicles + 1) / 2)) then slope_upper end)
            as slope_upper,
        avg(case when span_rank in (floor((vehicles + 1) / 2), ceil((vehicles + 1) / 2)) then span_months end)
            as span_months
    from ranked_own_slopes
),

vehicle_slopes as (
    select
        vehicle_months.vehicle_id,
        vehicle_months.months_observed,
        vehicle_months.latest_month,
        vehicle_months.latest_x,
        vehicle_months.span_months,
        case
            when own_slopes.vehicle_id is not null then 'theil_sen_vehicle'
            when fleet_prior.slope is not null then 'fleet_prior_slope'
        end as projection_method,
        case when own_slopes.vehicle_id is not null then own_slopes.slope else fleet_prior.slope end as slope,
        case
            when own_slopes.vehicle_id is not null then own_slopes.slope_lower else fleet_prior.slope_lower
        end as slope_lower,
        case
            when own_slopes.vehicle_id is not null then own_slopes.slope_upper else fleet_prior.slope_upper
        end as slope_upper,
        case
            when own_slopes.vehicle_id is not null then vehicle_months.span_months else fleet_prior.span_months
        end as trend_span_months
    from vehicle_months
    left join own_slopes on vehicle_months.vehicle_id = own_slopes.vehicle_id
    cross join fleet_prior
),

residuals as (
    select
        monthly.vehicle_id,
        vehicle_slopes.months_observed,
        monthly.soh_estimate_pct - vehicle_slopes.slope * monthly.month_x as residual,
        row_number() over (
            partition by monthly.vehicle_id order by monthly.soh_estimate_pct - vehicle_slopes.slope * monthly.month_x
        ) as residual_rank
    from monthly
    inner join vehicle_slopes on monthly.vehicle_id = vehicle_slopes.vehicle_id
    where vehicle_slopes.slope is not null
),

intercepts as (
    select
        vehicle_id,
        avg(
            case
                when residual_rank in (floor((months_observed + 1) / 2), ceil((months_observed + 1) / 2))
                    then residual
            end
        ) as intercept
    from residuals
    group by 1
),

fitted as (
    select
        vehicle_slopes.vehicle_id,
        vehicle_slopes.months_observed,
        vehicle_slopes.latest_month,
        vehicle_slopes.span_months,
        vehicle_slopes.projection_method,
        vehicle_slopes.slope,
        vehicle_slopes.slope_lower,
        vehicle_slopes.slope_upper,
        vehicle_slopes.trend_span_months,
        intercepts.intercept + vehicle_slopes.slope * vehicle_slopes.latest_x as level_pct,
        active_contracts.contract_id,
        active_contracts.contract_end_date,
        -- a contract due to end before the middle of the latest month projects to the level (no slope time left)
        case
            when active_contracts.contract_end_date is not null
                then greatest({{ month_number('active_contracts.contract_end_date') }} - vehicle_slopes.latest_x, 0)
        end as horizon_months
    from vehicle_slopes
    left join intercepts on vehicle_slopes.vehicle_id = intercepts.vehicle_id
    left join active_contracts on vehicle_slopes.vehicle_id = active_contracts.vehicle_id
),

projected as (
    select
        vehicle_id,
        months_observed,
        latest_month,
        span_months,
        projection_method,
        slope,
        slope_lower,
        slope_upper,
        trend_span_months,
        level_pct,
        contract_id,
        contract_end_date,
        horizon_months,
        case
            when contract_id is null then 'no_active_contract'
            when slope is null then 'no_fleet_prior'
            when horizon_months > {{ var('soh_projection_max_horizon_ratio') }} * trend_span_months
                then 'horizon_beyond_{{ var("soh_projection_max_horizon_ratio") }}x_span'
        end as projection_null_reason,
        level_pct + slope * horizon_months as projection_pct,
        level_pct + least(slope_lower * horizon_months, slope_upper * horizon_months) as projection_lower_pct,
        level_pct + greatest(slope_lower * horizon_months, slope_upper * horizon_months) as projection_upper_pct
    from fitted
),

final as (
    select
        vehicle_id,
        months_observed,
        latest_month,
        projection_method,
        contract_id,
        contract_end_date,
        projection_null_reason,
        round(span_months, 2) as observed_span_months,
        round(trend_span_months, 2) as trend_span_months,
        round(slope, 4) as soh_slope_pct_per_month,
        round(slope_lower, 4) as soh_slope_lower_pct_per_month,
        round(slope_upper, 4) as soh_slope_upper_pct_per_month,
        round(level_pct, 2) as fitted_soh_latest_pct,
        round(horizon_months, 2) as projection_horizon_months,
        case
            when projection_null_reason is null
                then round(greatest(least(projection_pct, level_pct, 100), 0), 2)
        end as projected_soh_at_contract_end_pct,
        case
            when projection_null_reason is null
                then round(greatest(least(projection_lower_pct, level_pct, 100), 0), 2)
        end as projected_soh_lower_pct,
        case
            when projection_null_reason is null
                then round(greatest(least(projection_upper_pct, level_pct, 100), 0), 2)
        end as projected_soh_upper_pct
    from projected
)

select * from final
