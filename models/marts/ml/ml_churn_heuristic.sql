{#- Churn heuristic (docs/ml/churn.md): one row per driver-week of ml_churn_features, a 0-1 score (higher = more likely
    to make no trip in the next 28 days) from the rules and points in seed ml_heuristic_rules, and its reason codes. -#}
{%- set codes = ['TRIPS_FALLING', 'FEW_ACTIVE_DAYS', 'RECENTLY_SILENT', 'IN_ARREARS', 'NO_CONTRACT'] %}
with features as (
    select
        snapshot_id,
        f_trips_28d_over_prev_28d,
        f_active_days_28d,
        f_days_since_last_trip,
        f_dpd,
        f_has_contract_in_portfolio
    from {{ ref('ml_churn_features') }}
),

params as (
    {{ ml_rule_params('churn', codes) }}
),

fired as (
    select
        features.snapshot_id,
        features.f_trips_28d_over_prev_28d < params.trips_falling_threshold as trips_falling,
        features.f_active_days_28d < params.few_active_days_threshold as few_active_days,
        features.f_days_since_last_trip >= params.recently_silent_threshold as recently_silent,
        features.f_dpd > params.in_arrears_threshold as in_arrears,
        not features.f_has_contract_in_portfolio as no_contract
    from features
    cross join params
),

final as (
    select
        fired.snapshot_id,
        round({{ ml_rule_score(codes) }}, 4) as score,
        {{ ml_reason_codes(codes) }} as reason_codes
    from fired
    cross join params
)

select * from final
