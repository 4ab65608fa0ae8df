{#- Maintenance heuristic (docs/ml/maintenance.md): one row per vehicle-day of ml_maintenance_features, a 0-1 score
    (higher = more likely to need a corrective work order in the next 30 days) from the rules and points in seed
    ml_heuristic_rules, and its reason codes. -#}
{%- set codes = ['SERVICE_DUE_KM', 'HIGH_USE', 'CRITICAL_DTC', 'WARNING_DTC', 'REPEAT_CORRECTIVE', 'OLD_VEHICLE'] %}
with features as (
    select
        snapshot_id,
        f_km_since_last_service,
        f_km_30d,
        f_dtc_critical_events_90d,
        f_dtc_warning_events_90d,
        f_corrective_orders_365d,
        f_age_days
    from {{ ref('ml_maintenance_features') }}
),

params as (
    {{ ml_rule_params('maintenance', codes) }}
),

fired as (
    select
        features.snapshot_id,
        features.f_km_since_last_service >= params.service_due_km_threshold as service_due_km,
        features.f_km_30d >= params.high_use_threshold as high_use,
        features.f_dtc_critical_events_90d > params.critical_dtc_threshold as critical_dtc,
        features.f_dtc_warning_events_90d > params.warning_dtc_threshold as warning_dtc,
        features.f_corrective_orders_365d > params.repeat_corrective_threshold as repeat_corrective,
        features.f_age_days >= params.old_vehicle_threshold as old_vehicle
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
