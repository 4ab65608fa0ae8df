{#- Credit risk heuristic (docs/ml/credit_risk.md): one row per application of ml_credit_risk_features, a 0-1 score
    (higher = more likely to reach DPD > 30 in the first 12 weeks) from the rules and points in seed
    ml_heuristic_rules, and the reason codes that produced it. The answer until ml_readiness says the data is
    enough. -#}
{%- set codes = [
    'LOW_PLATFORM_RATING', 'SHORT_PLATFORM_TENURE', 'LOW_STATED_EARNINGS', 'PRIOR_DELINQUENCY', 'PRIOR_ARREARS'
] %}
with features as (
    select
        snapshot_id,
        f_platform_rating,
        f_platform_tenure_months,
        f_weekly_earnings_mxn,
        f_prior_max_dpd,
        f_prior_arrears_mxn
    from {{ ref('ml_credit_risk_features') }}
),

params as (
    {{ ml_rule_params('credit_risk', codes) }}
),

fired as (
    select
        features.snapshot_id,
        features.f_platform_rating < params.low_platform_rating_threshold as low_platform_rating,
        features.f_platform_tenure_months < params.short_platform_tenure_threshold as short_platform_tenure,
        features.f_weekly_earnings_mxn < params.low_stated_earnings_threshold as low_stated_earnings,
        features.f_prior_max_dpd > params.prior_delinquency_threshold as prior_delinquency,
        features.f_prior_arrears_mxn > params.prior_arrears_threshold as prior_arrears
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
