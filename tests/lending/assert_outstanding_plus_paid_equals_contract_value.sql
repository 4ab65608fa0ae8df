-- Every contract-day: outstanding + money paid (up to the contract value) = contract value.
select
    daily.contract_id,
    daily.as_of_date,
    daily.outstanding_mxn,
    daily.paid_to_date_mxn,
    contracts.contract_value_mxn
from {{ ref('fct_lto_contract_daily') }} as daily
inner join {{ ref('dim_contracts') }} as contracts on daily.contract_id = contracts.contract_id
where
    daily.outstanding_mxn
    + case
        when daily.paid_to_date_mxn > contracts.contract_value_mxn then contracts.contract_value_mxn
        else daily.paid_to_date_mxn
    end
    != contracts.contract_value_mxn
