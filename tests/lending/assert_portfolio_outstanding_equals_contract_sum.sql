-- Portfolio outstanding = sum of the outstanding of contracts in the portfolio, every day (no day missing on
-- either side).
with contracts as (
    select
        as_of_date,
        sum(outstanding_mxn) as outstanding_mxn
    from {{ ref('fct_lto_contract_daily') }}
    where is_in_portfolio
    group by 1
)

select
    portfolio.as_of_date,
    portfolio.outstanding_mxn,
    contracts.outstanding_mxn as contracts_outstanding_mxn
from {{ ref('fct_lto_portfolio_daily') }} as portfolio
full outer join contracts on portfolio.as_of_date = contracts.as_of_date
where
    portfolio.as_of_date is null
    or coalesce(portfolio.outstanding_mxn, -1) != coalesce(contracts.outstanding_mxn, 0)
