{#- Roll rates (docs/lending.md): for each week, the contracts in the portfolio at the previous week's snapshot by
    their DPD bucket then, and their state at this week's snapshot: a DPD bucket, or an exit state kept apart
    (completed, cancelled, written_off). Balance-weighted: outstanding at the previous snapshot of the contracts
    that moved from bucket i to state j, over the outstanding in i; count-based: contracts. Each from bucket's
    shares sum to 1. The as-of week is partial (is_complete_week false): its snapshot is the as-of date. -#}
with weekly as (
    select
        week_start,
        is_complete_week,
        previous_portfolio_state,
        portfolio_state,
        previous_outstanding_mxn,
        data_through_date
    from {{ ref('fct_lto_contract_weekly') }}
    where was_in_portfolio_previous_week
),

flows as (
    select
        week_start,
        is_complete_week,
        data_through_date,
        previous_portfolio_state as from_bucket,
        portfolio_state as to_state,
        count(*) as contracts,
        sum(previous_outstanding_mxn) as from_outstanding_mxn
    from weekly
    group by 1, 2, 3, 4, 5
),

final as (
    select
        week_start,
        is_complete_week,
        from_bucket,
        to_state,
        to_state in ('completed', 'cancelled', 'written_off') as is_exit,
        cast(contracts as {{ dbt.type_int() }}) as contracts,
        cast(from_outstanding_mxn as {{ type_money() }}) as from_outstanding_mxn,
        round(contracts * 1.0 / sum(contracts) over (partition by week_start, from_bucket), 6) as contract_share,
        round(
            from_outstanding_mxn / nullif(sum(from_outstanding_mxn) over (partition by week_start, from_bucket), 0), 6
        ) as balance_share,
        data_through_date
    from flows
)

select * from final
