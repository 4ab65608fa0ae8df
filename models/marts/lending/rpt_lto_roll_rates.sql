{#- Roll rates: for each week, how many contracts moved from each DPD bucket at the end of the previous week
    to each bucket at the end of this week, and that flow's share of the "from" bucket. -#}
with weekly as (
    select
        week_start,
        previous_dpd_bucket,
        dpd_bucket
    from {{ ref('fct_lto_contract_weekly') }}
    where previous_dpd_bucket is not null
),

flows as (
    select
        week_start,
        previous_dpd_bucket as from_bucket,
        dpd_bucket as to_bucket,
        count(*) as contracts
    from weekly
    group by 1, 2, 3
),

final as (
    select
        week_start,
        from_bucket,
        to_bucket,
        contracts,
        round(contracts * 1.0 / sum(contracts) over (partition by week_start, from_bucket), 4) as share_of_from_bucket
    from flows
)

select * from final
