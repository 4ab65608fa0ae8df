-- No negative balance anywhere on the contract-day grain.
select
    contract_id,
    as_of_date,
    arrears_mxn,
    outstanding_mxn,
    paid_to_date_mxn
from {{ ref('fct_lto_contract_daily') }}
where arrears_mxn < 0 or outstanding_mxn < 0 or paid_to_date_mxn < 0 or dpd < 0
