{#- Each contract at the end of each ISO week (local Sunday, or the as-of date in a partial current week, flagged by
    is_complete_week): the snapshot that roll rates and the credit-risk features read. weeks_on_book counts ISO
    weeks from the signing week (0), so it is unique per contract even in a partial last week. portfolio_state is
    the DPD bucket while in the portfolio, else the exit state (completed, cancelled, written_off). -#}
with contract_days as (
    select
        contract_id,
        date_day as as_of_date,
        dpd,
        {{ dpd_bucket('dpd') }} as dpd_bucket,
        arrears_mxn,
        outstanding_mxn,
        paid_to_date_mxn,
        due_to_date_mxn,
        is_in_portfolio,
        exit_state
    from {{ ref('int_lending__contract_days') }}
),

contracts as (
    select
        contract_id,
        signed_date
    from {{ ref('int_lending__contracts') }}
),

calendar_end as (
    select max(date_day) as last_date
    from {{ ref('int_lending__calendar_days') }}
),

-- Every contract has a row for every day from signature to the calendar end, so a week's last observed
-- day is its Sunday or, in the current week, the calendar end: a filter, no window over all days.
snapshots as (
    select
        contract_days.contract_id,
        {{ week_start('contract_days.as_of_date') }} as week_start,
        contract_days.as_of_date as snapshot_date,
        contract_days.dpd,
        contract_days.dpd_bucket,
        contract_days.arrears_mxn,
        contract_days.outstanding_mxn,
        contract_days.paid_to_date_mxn,
        contract_days.due_to_date_mxn,
        contract_days.is_in_portfolio,
        contract_days.exit_state,
        case when contract_days.is_in_portfolio then contract_days.dpd_bucket else contract_days.exit_state end
            as portfolio_state
    from contract_days
    cross join calendar_end
    where
        contract_days.as_of_date = calendar_end.last_date
        or {{ days_from_to(week_start('contract_days.as_of_date'), 'contract_days.as_of_date') }} = 6
),

final as (
    select
        snapshots.contract_id,
        snapshots.week_start,
        snapshots.snapshot_date,
        {{ days_from_to('snapshots.week_start', 'snapshots.snapshot_date') }} = 6 as is_complete_week,
        cast(
            {{ days_from_to(week_start('contracts.signed_date'), 'snapshots.week_start') }} / 7
            as {{ dbt.type_int() }}
        ) as weeks_on_book,
        snapshots.dpd,
        snapshots.dpd_bucket,
        snapshots.arrears_mxn,
        snapshots.outstanding_mxn,
        snapshots.paid_to_date_mxn,
        snapshots.due_to_date_mxn,
        cast(
            snapshots.paid_to_date_mxn - coalesce(lag(snapshots.paid_to_date_mxn) over contract_weeks, 0)
            as {{ type_money() }}
        ) as paid_in_week_mxn,
        cast(
            snapshots.due_to_date_mxn - coalesce(lag(snapshots.due_to_date_mxn) over contract_weeks, 0)
            as {{ type_money() }}
        ) as due_in_week_mxn,
        snapshots.is_in_portfolio,
        snapshots.exit_state,
        snapshots.portfolio_state,
        lag(snapshots.portfolio_state) over contract_weeks as previous_portfolio_state,
        lag(snapshots.outstanding_mxn) over contract_weeks as previous_outstanding_mxn,
        lag(snapshots.is_in_portfolio) over contract_weeks as was_in_portfolio_previous_week,
        {{ as_of_date() }} as data_through_date
    from snapshots
    inner join contracts on snapshots.contract_id = contracts.contract_id
    window contract_weeks as (partition by snapshots.contract_id order by snapshots.week_start)
)

select * from final
