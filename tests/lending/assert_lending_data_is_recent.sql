{{ config(severity='warn') }}
-- The lending marts are as of data_through_date (int_reporting__as_of_date): warn when it is more than 2 days
-- behind the run date (local), i.e. the payments export stopped arriving. A warning, not an error: the marts are
-- still right as of that date, and a historical build (var as_of_date) is behind on purpose.
select
    data_through_date,
    {{ local_date(dbt.current_timestamp()) }} as run_date
from {{ ref('fct_lto_portfolio_daily') }}
where data_through_date < {{ dbt.dateadd('day', -2, local_date(dbt.current_timestamp())) }}
group by 1, 2
