{#- Roll rates: for each week, the contracts active at the end of the previous week by their DPD bucket then,
    and where they are at the end of this week: a DPD bucket, or closed (completed or terminated). The
    share is the roll rate out of the "from" bucket; shares of a from bucket sum to 1. -#}
with weekly as (
    select
        week_start,
        previous_dpd_bucket,
        dpd_bucket,
        is_active
    from {{ ref('fct_lto_contract_weekly') }}
    where was_active_previous_week
),

transitions as (
    select
        week_start,
        previous_dpd_bucket as from_bucket,
        case when is_active then dpd_bucket else 'closed' end as to_bucket
    from weekly
),

flows as (
    select
        week_start,
        from_bucket,
        to_bucket,
        count(*) as contracts
    from transitions
    group by 1, 2, 3
),

final as (
    select
        week_start,
        from_bucket,
        to_bucket,
        contracts,
        round(contracts * 1.0 / sum(contracts) over (partition by week_start, from_bucket), 6)
            as share_of_from_bucket
    from flows
)

select * from final
