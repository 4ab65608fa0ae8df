{#- The MXN per USD rate of each finance month: the seed's rate of that month, else the latest seed month up to
    fx_carry_months() (2) earlier; null when there is none, which fails the build naming the month and the seed
    (tests/finance/assert_every_cost_is_priced.sql). A later month's rate is never used, and never a default. -#}
with months as (
    select month_start from {{ ref('int_finance__months') }}
),

fx as (
    select
        month as fx_month,
        mxn_per_usd
    from {{ ref('fx_mxn_per_usd_monthly') }}
),

candidates as (
    select
        months.month_start,
        fx.fx_month,
        fx.mxn_per_usd,
        row_number() over (partition by months.month_start order by fx.fx_month desc) as fx_rank
    from months
    inner join fx
        on
            months.month_start >= fx.fx_month
            and cast({{ dbt.dateadd('month', -fx_carry_months(), 'months.month_start') }} as date) <= fx.fx_month
),

final as (
    select
        months.month_start,
        candidates.fx_month,
        {{ dbt.datediff('candidates.fx_month', 'months.month_start', 'month') }}
            as fx_months_carried,
        candidates.mxn_per_usd
    from months
    left join candidates
        on months.month_start = candidates.month_start and candidates.fx_rank = 1
)

select * from final
