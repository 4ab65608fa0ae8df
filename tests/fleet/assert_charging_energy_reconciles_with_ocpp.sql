-- Charged energy and money per vehicle and month equal the OCPP exports (each export's meter delta and price exactly
-- once, on the vehicle resolved for it) plus the telematics-only (home) sessions, and no telematics-only session
-- overlaps an export of its vehicle: no export is counted twice or lost, and no energy an export covers is priced
-- again as home charging.
with sessions as (
    select
        session_id,
        vehicle_id,
        started_at,
        ended_at,
        coalesce(vehicle_id, '') as vehicle_key,
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        energy_source,
        energy_kwh,
        cost_mxn
    from {{ ref('fct_charging_sessions') }}
),

exports as (
    select
        ocpp_session_id,
        vehicle_id,
        started_at,
        stopped_at,
        coalesce(vehicle_id, '') as vehicle_key,
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        energy_grid_kwh,
        price_mxn
    from {{ ref('int_fleet__ocpp_exports') }}
),

expected as (
    select
        vehicle_key,
        month_start,
        sum(energy_kwh) as energy_kwh,
        sum(cost_mxn) as cost_mxn
    from (
        select
            vehicle_key,
            month_start,
            energy_grid_kwh as energy_kwh,
            price_mxn as cost_mxn
        from exports
        union all
        select
            vehicle_key,
            month_start,
            energy_kwh,
            cost_mxn
        from sessions
        where energy_source = 'telematics'
    ) as parts
    group by 1, 2
),

actual as (
    select
        vehicle_key,
        month_start,
        sum(energy_kwh) as energy_kwh,
        sum(cost_mxn) as cost_mxn
    from sessions
    group by 1, 2
),

monthly_differences as (
    select
        expected.energy_kwh as expected_energy_kwh,
        actual.energy_kwh as actual_energy_kwh,
        expected.cost_mxn as expected_cost_mxn,
        actual.cost_mxn as actual_cost_mxn,
        expected.vehicle_key is null or actual.vehicle_key is null as is_one_sided,
        coalesce(expected.vehicle_key, actual.vehicle_key) as vehicle_key,
        coalesce(expected.month_start, actual.month_start) as month_start
    from expected
    full outer join actual
        on expected.vehicle_key = actual.vehicle_key and expected.month_start = actual.month_start
),

home_sessions_under_exports as (
    select
        sessions.vehicle_key,
        sessions.month_start,
        sessions.energy_kwh
    from sessions
    inner join exports
        on
            sessions.vehicle_id = exports.vehicle_id
            and sessions.started_at < exports.stopped_at
            and sessions.ended_at > exports.started_at
    where sessions.energy_source = 'telematics'
),

final as (
    select
        'month_totals' as failed_check,
        vehicle_key,
        month_start,
        expected_energy_kwh,
        actual_energy_kwh
    from monthly_differences
    where
        is_one_sided
        -- a session of a vehicle without a known capacity has no energy on either side: null equals null here
        or not coalesce(
            abs(expected_energy_kwh - actual_energy_kwh) <= 0.001,
            expected_energy_kwh is null and actual_energy_kwh is null
        )
        or not coalesce(
            abs(expected_cost_mxn - actual_cost_mxn) <= 0.005,
            expected_cost_mxn is null and actual_cost_mxn is null
        )
    union all
    select
        'home_session_under_an_export' as failed_check,
        vehicle_key,
        month_start,
        null as expected_energy_kwh,
        energy_kwh as actual_energy_kwh
    from home_sessions_under_exports
)

select * from final
