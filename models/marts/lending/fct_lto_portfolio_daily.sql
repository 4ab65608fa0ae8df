{#- The portfolio each local day (DESIGN.md section 4, the PAR rule lives here): PAR-n = outstanding of active
    contracts with DPD > n / outstanding of all active contracts (ratios 0-1; null without outstanding). -#}
with contract_days as (
    select
        as_of_date,
        dpd,
        dpd_bucket,
        outstanding_mxn,
        arrears_mxn,
        paid_to_date_mxn
    from {{ ref('fct_lto_contract_daily') }}
    where is_active
),

daily as (
    select
        as_of_date,
        count(*) as active_contracts,
        sum(outstanding_mxn) as outstanding_mxn,
        sum(arrears_mxn) as arrears_mxn,
        sum(case when dpd > 7 then outstanding_mxn else 0 end) as outstanding_dpd_over_7_mxn,
        sum(case when dpd > 30 then outstanding_mxn else 0 end) as outstanding_dpd_over_30_mxn,
        sum(case when dpd > 60 then outstanding_mxn else 0 end) as outstanding_dpd_over_60_mxn,
        sum(case when dpd > 90 then outstanding_mxn else 0 end) as outstanding_dpd_over_90_mxn,
        sum(case when dpd_bucket = 'current' then 1 else 0 end) as contracts_current,
        sum(case when dpd > 0 then 1 else 0 end) as contracts_past_due
    from contract_days
    group by 1
),

final as (
    select
        as_of_date,
        active_contracts,
        contracts_current,
        contracts_past_due,
        cast(outstanding_mxn as {{ type_money() }}) as outstanding_mxn,
        cast(arrears_mxn as {{ type_money() }}) as arrears_mxn,
        round(outstanding_dpd_over_7_mxn / nullif(outstanding_mxn, 0), 6) as par_7,
        round(outstanding_dpd_over_30_mxn / nullif(outstanding_mxn, 0), 6) as par_30,
        round(outstanding_dpd_over_60_mxn / nullif(outstanding_mxn, 0), 6) as par_60,
        round(outstanding_dpd_over_90_mxn / nullif(outstanding_mxn, 0), 6) as par_90
    from daily
)

select * from final
