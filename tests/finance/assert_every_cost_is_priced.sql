-- A missing price is never a zero (docs/finance.md, "Missing prices"): every finance month needs an FX rate within
-- fx_carry_months() (2) months (int_finance__fx_rates_monthly) and the tooling of its plan phase valid on its first
-- day; every billed warehouse job a warehouse price valid on its date; every charging session a price (the export's,
-- else a tariff valid on its date, fct_charging_sessions). One row per month and seed without a price, with a
-- message naming both. The test raises a database error carrying every message (macro fail_with_message), so the
-- failed build's log names the month and the seed instead of only counting rows.
with fx_gaps as (
    select
        month_start,
        'fx_mxn_per_usd_monthly' as seed_name,
        concat(
            'no FX rate in seed fx_mxn_per_usd_monthly within {{ fx_carry_months() }} months of ',
            substr(cast(month_start as {{ dbt.type_string() }}), 1, 7)
        ) as message
    from {{ ref('int_finance__fx_rates_monthly') }}
    where mxn_per_usd is null
),

platform_gaps as (
    select
        cost_month as month_start,
        'data_tooling_costs' as seed_name,
        concat(
            'no tooling cost in seed data_tooling_costs valid in ',
            substr(cast(cost_month as {{ dbt.type_string() }}), 1, 7),
            ' (', coalesce(plan_phase, 'no plan phase'), ')'
        ) as message
    from {{ ref('fct_data_platform_cost_monthly') }}
    where tooling_usd is null
    union all
    select
        cost_month as month_start,
        'warehouse_pricing' as seed_name,
        concat(
            'no price in seed warehouse_pricing valid on the date of a billed job in ',
            substr(cast(cost_month as {{ dbt.type_string() }}), 1, 7)
        ) as message
    from {{ ref('fct_data_platform_cost_monthly') }}
    where warehouse_usd is null
),

unpriced_sessions as (
    select
        cast({{ dbt.date_trunc('month', 'started_date') }} as date) as month_start,
        location_type,
        min(started_date) as first_date,
        count(*) as sessions
    from {{ ref('fct_charging_sessions') }}
    -- a session no source measured (no export, no telematics energy counter) has no energy to price
    where cost_mxn is null and energy_kwh is not null
    group by 1, 2
),

tariff_gaps as (
    select
        month_start,
        'electricity_tariffs' as seed_name,
        concat(
            'no tariff in seed electricity_tariffs for ', location_type, ' charging valid on ',
            cast(first_date as {{ dbt.type_string() }}), ' (', cast(sessions as {{ dbt.type_string() }}),
            ' unpriced sessions in ', substr(cast(month_start as {{ dbt.type_string() }}), 1, 7), ')'
        ) as message
    from unpriced_sessions
),

gaps as (
    select
        month_start,
        seed_name,
        message
    from fx_gaps
    union all
    select
        month_start,
        seed_name,
        message
    from platform_gaps
    union all
    select
        month_start,
        seed_name,
        message
    from tariff_gaps
),

summary as (
    select
        count(*) as gap_count,
        {{ dbt.listagg('message', "'; '", 'order by message') }} as messages
    from gaps
),

final as (
    select
        gaps.month_start,
        gaps.seed_name,
        gaps.message,
        summary.gap_count,
        summary.messages
    from gaps
    cross join summary
)

select
    month_start,
    seed_name,
    message
from final
where case when gap_count > 0 then {{ fail_with_message("concat('unpriced finance costs: ', messages)") }} end is null
