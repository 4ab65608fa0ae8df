{#- The portfolio each local day (DESIGN.md section 4; the PAR rule lives here): PAR-n = outstanding of active
    contracts with DPD > n / outstanding of all active contracts, a ratio 0-1 (0 when nothing is
    outstanding: no money, none at risk). One row per lending calendar day, also days without contracts. -#}
with calendar as (
    select date_day from {{ ref('int_lending__calendar_days') }}
),

contract_days as (
    select
        as_of_date,
        dpd,
        outstanding_mxn,
        arrears_mxn
    from {{ ref('fct_lto_contract_daily') }}
    where is_active
),

daily as (
    select
        as_of_date,
        count(*) as active_contracts,
        sum(case when dpd = 0 then 1 else 0 end) as contracts_current,
        sum(case when dpd > 0 then 1 else 0 end) as contracts_past_due,
        sum(outstanding_mxn) as outstanding_mxn,
        sum(arrears_mxn) as arrears_mxn,
        sum(case when dpd > 7 then outstanding_mxn else 0 end) as outstanding_dpd_over_7_mxn,
        sum(case when dpd > 30 then outstanding_mxn else 0 end) as outstanding_dpd_over_30_mxn,
        sum(case when dpd > 60 then outstanding_mxn else 0 end) as outstanding_dpd_over_60_mxn,
        sum(case when dpd > 90 then outstanding_mxn else 0 end) as outstanding_dpd_over_90_mxn
    from contract_days
    group by 1
),

portfolio as (
    select
        calendar.date_day as as_of_date,
        coalesce(daily.active_contracts, 0) as active_contracts,
        coalesce(daily.contracts_current, 0) as contracts_current,
        coalesce(daily.contracts_past_due, 0) as contracts_past_due,
        coalesce(daily.outstanding_mxn, 0) as outstanding_mxn,
        coalesce(daily.arrears_mxn, 0) as arrears_mxn,
        coalesce(daily.outstanding_dpd_over_7_mxn, 0) as outstanding_dpd_over_7_mxn,
        coalesce(daily.outstanding_dpd_over_30_mxn, 0) as outstanding_dpd_over_30_mxn,
        coalesce(daily.outstanding_dpd_over_60_mxn, 0) as outstanding_dpd_over_60_mxn,
        coalesce(daily.outstanding_dpd_over_90_mxn, 0) as outstanding_dpd_over_90_mxn
    from calendar
    left join daily on calendar.date_day = daily.as_of_date
),

final as (
    select
        as_of_date,
        active_contracts,
        contracts_current,
        contracts_past_due,
        cast(outstanding_mxn as {{ type_money() }}) as outstanding_mxn,
        cast(arrears_mxn as {{ type_money() }}) as arrears_mxn,
        cast(outstanding_dpd_over_7_mxn as {{ type_money() }}) as outstanding_dpd_over_7_mxn,
        cast(outstanding_dpd_over_30_mxn as {{ type_money() }}) as outstanding_dpd_over_30_mxn,
        cast(outstanding_dpd_over_60_mxn as {{ type_money() }}) as outstanding_dpd_over_60_mxn,
        cast(outstanding_dpd_over_90_mxn as {{ type_money() }}) as outstanding_dpd_over_90_mxn,
        coalesce(round(outstanding_dpd_over_7_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_7,
        coalesce(round(outstanding_dpd_over_30_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_30,
        coalesce(round(outstanding_dpd_over_60_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_60,
        coalesce(round(outstanding_dpd_over_90_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_90
    from portfolio
)

select * from final
