{#- Battery SoH heuristic (docs/ml/battery_soh.md): one row per vehicle-month of ml_battery_soh_features. The latest
    reliable SoH known, carried forward at the vehicle's own SoH change per month (from OWN_TREND reliable months on)
    or the fleet prior (seed ml_heuristic_rules), gives the SoH expected ml_battery_horizon_months after the snapshot
    (score, the label's forecast) and at the end of the contract holding the vehicle then (else NO_CONTRACT_HORIZON
    months ahead), with a 90 % interval from the slope's band, and a residual value at contract end: usable kWh then
    x the value per usable kWh at that age (seed battery_value_per_usable_kwh, until finance replaces it). -#}
{%- set codes = [
    'OWN_TREND', 'FLEET_PRIOR', 'OWN_TREND_BAND', 'FLEET_PRIOR_BAND', 'STALE_ESTIMATE', 'NO_CONTRACT_HORIZON'
] %}
with features as (
    select
        snapshot_id,
        vehicle_id,
        snapshot_date,
        f_nominal_capacity_kwh,
        f_reliable_months,
        f_latest_soh_pct,
        f_months_since_latest_soh,
        f_soh_change_pct_per_month
    from {{ ref('ml_battery_soh_features') }}
),

vehicles as (
    select
        vehicle_id,
        acquired_date
    from {{ ref('dim_vehicles') }}
),

contracts as (
    select
        contract_id,
        vehicle_id,
        signed_date,
        closed_date,
        {{ add_days('first_due_date', '7 * (term_weeks - 1)') }} as contract_end_date
    from {{ ref('dim_contracts') }}
),

values_by_age as (
    select
        age_years_from,
        age_years_to,
        value_mxn_per_usable_kwh
    from {{ ref('battery_value_per_usable_kwh') }}
),

params as (
    {{ ml_rule_params('battery_soh', codes) }}
),

-- the contract holding the vehicle on the snapshot date (signed before it, not closed before it)
holding_contracts as (
    select
        features.snapshot_id,
        max(contracts.contract_id) as contract_id,
        max(contracts.contract_end_date) as contract_end_date
    from features
    inner join contracts
        on
            features.vehicle_id = contracts.vehicle_id
            and features.snapshot_date > contracts.signed_date
            and (contracts.closed_date is null or features.snapshot_date <= contracts.closed_date)
    group by 1
),

trends as (
    select
        features.*,
        vehicles.acquired_date,
        holding_contracts.contract_id,
        holding_contracts.contract_end_date,
        features.f_reliable_months >= params.own_trend_threshold and features.f_soh_change_pct_per_month is not null
            as uses_own_trend,
        features.f_months_since_latest_soh > params.stale_estimate_threshold as is_stale,
        case
            when
                features.f_reliable_months >= params.own_trend_threshold
                and features.f_soh_change_pct_per_month is not null
                then least(features.f_soh_change_pct_per_month, 0)
            else params.fleet_prior_threshold
        end as slope,
        case
            when
                features.f_reliable_months >= params.own_trend_threshold
                and features.f_soh_change_pct_per_month is not null
                then params.own_trend_band_threshold
            else params.fleet_prior_band_threshold
        end as band,
        coalesce(
            {{ days_from_to('features.snapshot_date', 'holding_contracts.contract_end_date') }} / 30.4375,
            params.no_contract_horizon_threshold
        ) as months_to_contract_end
    from features
    cross join params
    inner join vehicles on features.vehicle_id = vehicles.vehicle_id
    left join holding_contracts on features.snapshot_id = holding_contracts.snapshot_id
),

projected as (
    select
        trends.*,
        trends.f_months_since_latest_soh + {{ var('ml_battery_horizon_months') }} as months_to_label,
        trends.f_months_since_latest_soh + trends.months_to_contract_end as months_to_end,
        (
            {{ days_from_to('trends.acquired_date', 'trends.snapshot_date') }} / 365.25
            + trends.months_to_contract_end / 12.0
        ) as age_years_at_end
    from trends
),

-- the SoH at a number of months after the latest reliable month; never above 100 (case, not least(): least() ignores
-- nulls on DuckDB and returns null on BigQuery)
soh_paths as (
    select
        projected.*,
        projected.f_latest_soh_pct + projected.slope * projected.months_to_label as soh_at_label,
        projected.f_latest_soh_pct + projected.slope * projected.months_to_end as soh_at_end,
        projected.f_latest_soh_pct + (projected.slope - projected.band) * projected.months_to_end as soh_at_end_lower,
        projected.f_latest_soh_pct + (projected.slope + projected.band) * projected.months_to_end as soh_at_end_upper
    from projected
),

final as (
    select
        soh_paths.snapshot_id,
        round(case when soh_paths.soh_at_label > 100 then 100 else soh_paths.soh_at_label end, 2) as score,
        rtrim(
            case when soh_paths.f_latest_soh_pct is null then 'NO_ESTIMATE|' else '' end
            || case
                when soh_paths.f_latest_soh_pct is null then ''
                when soh_paths.uses_own_trend then 'OWN_TREND|'
                else 'FLEET_PRIOR|'
            end
            || case when soh_paths.is_stale then 'STALE_ESTIMATE|' else '' end
            || case when soh_paths.contract_id is null then 'NO_CONTRACT_HORIZON|' else '' end,
            '|'
        ) as reason_codes,
        round(soh_paths.slope, 4) as soh_slope_pct_per_month,
        soh_paths.contract_id,
        soh_paths.contract_end_date,
        round(case when soh_paths.soh_at_end > 100 then 100 else soh_paths.soh_at_end end, 2)
            as projected_soh_at_contract_end_pct,
        round(case when soh_paths.soh_at_end_lower > 100 then 100 else soh_paths.soh_at_end_lower end, 2)
            as projected_soh_lower_pct,
        round(
            case
                when soh_paths.soh_at_end_upper > soh_paths.f_latest_soh_pct then soh_paths.f_latest_soh_pct
                else soh_paths.soh_at_end_upper
            end,
            2
        ) as projected_soh_upper_pct,
        cast(
            round(
                soh_paths.f_nominal_capacity_kwh
                * (case when soh_paths.soh_at_end > 100 then 100 else soh_paths.soh_at_end end) / 100
                * values_by_age.value_mxn_per_usable_kwh,
                2
            ) as {{ type_money() }}
        ) as residual_value_mxn
    from soh_paths
    left join values_by_age
        on
            soh_paths.age_years_at_end >= values_by_age.age_years_from
            and soh_paths.age_years_at_end < values_by_age.age_years_to
)

select * from final
