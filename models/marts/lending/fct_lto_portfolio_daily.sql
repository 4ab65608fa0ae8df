{#- The portfolio each local day (docs/lending.md; the PAR rule lives here): PAR-n = outstanding of contracts in
    portfolio with DPD > n / outstanding of all contracts in portfolio, a ratio 0-1 (0 when nothing is
    outstanding: no money, none at risk). Outstanding is contract value (financing margin included), not
    principal: not comparable with principal-based PAR benchmarks. One row per lending calendar day. -#}
with calendar as (
    select date_day from {{ ref('int_lending__calendar_days') }}
),

contract_days as (
    select
        date_day as as_of_date,
        is_in_portfolio,
        dpd,
        outstanding_mxn,
        arrears_mxn,
        written_off_mxn
    from {{ ref('int_lending__contract_days') }}
    where is_in_portfolio
),

daily as (
    select
        as_of_date,
        count(*) as contracts_in_portfolio,
        sum(case when dpd = 0 then 1 else 0 end) as contracts_current,
        sum(case when dpd > 0 then 1 else 0 end) as contracts_past_due,
        sum(outstanding_mxn) as outstanding_mxn,
        sum(arrears_mxn) as arrears_mxn,
        sum(written_off_mxn) as written_off_mxn,
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
        coalesce(daily.contracts_in_portfolio, 0) as contracts_in_portfolio,
        coalesce(daily.contracts_current, 0) as contracts_current,
        coalesce(daily.contracts_past_due, 0) as contracts_past_due,
        coalesce(daily.outstanding_mxn, 0) as outstanding_mxn,
        coalesce(daily.arrears_mxn, 0) as arrears_mxn,
        coalesce(daily.written_off_mxn, 0) as written_off_mxn,
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
        cast(contracts_in_portfolio as {{ dbt.type_int() }}) as contracts_in_portfolio,
        cast(contracts_current as {{ dbt.type_int() }}) as contracts_current,
        cast(contracts_past_due as {{ dbt.type_int() }}) as contracts_past_due,
        cast(outstanding_mxn as {{ type_money() }}) as outstanding_mxn,
        cast(arrears_mxn as {{ type_money() }}) as arrears_mxn,
        cast(written_off_mxn as {{ type_money() }}) as written_off_mxn,
        cast(outstanding_dpd_over_7_mxn as {{ type_money() }}) as outstanding_dpd_over_7_mxn,
        cast(outstanding_dpd_over_30_mxn as {{ type_money() }}) as outstanding_dpd_over_30_mxn,
        cast(outstanding_dpd_over_60_mxn as {{ type_money() }}) as outstanding_dpd_over_60_mxn,
        cast(outstanding_dpd_over_90_mxn as {{ type_money() }}) as outstanding_dpd_over_90_mxn,
        coalesce(round(outstanding_dpd_over_7_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_7,
        coalesce(round(outstanding_dpd_over_30_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_30,
        coalesce(round(outstanding_dpd_over_60_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_60,
        coalesce(round(outstanding_dpd_over_90_mxn / nullif(outstanding_mxn, 0), 6), 0) as par_90,
        {{ as_of_date() }} as data_through_date
    from portfolio
)

select * from final
