{#- Vintage curves: for each signing month and week on book, the share of the month's contracts that have
    reached 30+ and 60+ DPD at any point up to that week (contracts count only while observed). -#}
with weekly as (
    select
        contract_id,
        weeks_on_book,
        dpd
    from {{ ref('fct_lto_contract_weekly') }}
),

contracts as (
    select
        contract_id,
        cast({{ dbt.date_trunc('month', 'signed_date') }} as date) as vintage_month
    from {{ ref('stg_lending__lto_contracts') }}
),

running_worst as (
    select
        contract_id,
        weeks_on_book,
        max(dpd) over (
            partition by contract_id order by weeks_on_book rows between unbounded preceding and current row
        ) as worst_dpd_to_date
    from weekly
),

final as (
    select
        contracts.vintage_month,
        running_worst.weeks_on_book,
        count(*) as contracts_observed,
        sum(case when running_worst.worst_dpd_to_date >= 30 then 1 else 0 end) as contracts_ever_30_dpd,
        sum(case when running_worst.worst_dpd_to_date >= 60 then 1 else 0 end) as contracts_ever_60_dpd,
        round(avg(case when running_worst.worst_dpd_to_date >= 30 then 1.0 else 0.0 end), 4) as share_ever_30_dpd,
        round(avg(case when running_worst.worst_dpd_to_date >= 60 then 1.0 else 0.0 end), 4) as share_ever_60_dpd
    from running_worst
    inner join contracts on running_worst.contract_id = contracts.contract_id
    group by 1, 2
)

select * from final
