{#- Each contract at the end of each week (local Sunday, or the as-of date for the current week): the
    snapshot that vintages, roll rates and the credit-risk features read. -#}
with contract_days as (
    select
        contract_id,
        as_of_date,
        dpd,
        dpd_bucket,
        arrears_mxn,
        outstanding_mxn,
        paid_to_date_mxn,
        due_to_date_mxn,
        is_active
    from {{ ref('fct_lto_contract_daily') }}
),

contracts as (
    select
        contract_id,
        signed_date
    from {{ ref('stg_lending__lto_contracts') }}
),

weeks as (
    select
        contract_id,
        as_of_date,
        {{ week_start('as_of_date') }} as week_start,
        row_number() over (partition by contract_id, {{ week_start('as_of_date') }} order by as_of_date desc)
            as day_rank_in_week
    from contract_days
),

snapshots as (
    select
        contract_days.contract_id,
        weeks.week_start,
        contract_days.as_of_date as snapshot_date,
        contract_days.dpd,
        contract_days.dpd_bucket,
        contract_days.arrears_mxn,
        contract_days.outstanding_mxn,
        contract_days.paid_to_date_mxn,
        contract_days.due_to_date_mxn,
        contract_days.is_active
    from contract_days
    inner join weeks
        on
            contract_days.contract_id = weeks.contract_id
            and contract_days.as_of_date = weeks.as_of_date
            and weeks.day_rank_in_week = 1
),

final as (
    select
        snapshots.contract_id,
        snapshots.week_start,
        snapshots.snapshot_date,
        cast(floor({{ days_from_to('contracts.signed_date', 'snapshots.snapshot_date') }} / 7) as {{ dbt.type_int() }})
            as weeks_on_book,
        snapshots.dpd,
        snapshots.dpd_bucket,
        snapshots.arrears_mxn,
        snapshots.outstanding_mxn,
        snapshots.paid_to_date_mxn,
        snapshots.due_to_date_mxn,
        snapshots.paid_to_date_mxn - coalesce(lag(snapshots.paid_to_date_mxn) over contract_weeks, 0)
            as paid_in_week_mxn,
        snapshots.due_to_date_mxn - coalesce(lag(snapshots.due_to_date_mxn) over contract_weeks, 0)
            as due_in_week_mxn,
        lag(snapshots.dpd_bucket) over contract_weeks as previous_dpd_bucket,
        snapshots.is_active
    from snapshots
    inner join contracts on snapshots.contract_id = contracts.contract_id
    window contract_weeks as (partition by snapshots.contract_id order by snapshots.week_start)
)

select * from final
