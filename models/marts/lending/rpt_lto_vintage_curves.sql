{#- Vintage curves: for each signing month and week on book (ISO weeks since the signing week), the share of
    the month's contracts observed that far that had reached 30+ / 60+ DPD by the end of that week (the
    "reached" dates and their rule come from dim_contracts). -#}
with weekly as (
    select
        contract_id,
        weeks_on_book,
        snapshot_date
    from {{ ref('fct_lto_contract_weekly') }}
),

contracts as (
    select
        contract_id,
        vintage_month,
        first_30_dpd_date,
        first_60_dpd_date
    from {{ ref('dim_contracts') }}
),

contract_weeks as (
    select
        contracts.vintage_month,
        weekly.weeks_on_book,
        coalesce(contracts.first_30_dpd_date <= weekly.snapshot_date, false) as has_reached_30_dpd,
        coalesce(contracts.first_60_dpd_date <= weekly.snapshot_date, false) as has_reached_60_dpd
    from weekly
    inner join contracts on weekly.contract_id = contracts.contract_id
),

final as (
    select
        vintage_month,
        weeks_on_book,
        count(*) as contracts_observed,
        sum(case when has_reached_30_dpd then 1 else 0 end) as contracts_reached_30_dpd,
        sum(case when has_reached_60_dpd then 1 else 0 end) as contracts_reached_60_dpd,
        round(avg(case when has_reached_30_dpd then 1.0 else 0.0 end), 6) as share_reached_30_dpd,
        round(avg(case when has_reached_60_dpd then 1.0 else 0.0 end), 6) as share_reached_60_dpd
    from contract_weeks
    group by 1, 2
)

select * from final
