{#- Vintage outcomes (docs/lending.md): per signing month and horizon of 4, 12, 26 and 52 weeks on book (days since
    signature / 7), the share of the month's contracts that reached 30+ DPD (DPD > 30), a first-payment default or a
    write-off by then, over the contracts observed at least that long (signed that many weeks before the as-of
    date: mature only; a young contract is in no denominator). FPD counts only contracts whose FPD is known by the
    horizon (not null, its day first_due_date + 30 within it). Cure rate: of the contracts that reached 30+ DPD by
    the horizon and whose cure window (var cure_window_days) has elapsed or that cured, the share cured (rules in
    dim_contracts). -#}
with contracts as (
    select
        contract_id,
        vintage_month,
        signed_date,
        first_due_date,
        first_30_dpd_date,
        is_first_payment_default,
        is_cured,
        written_off_date,
        data_through_date
    from {{ ref('dim_contracts') }}
),

horizons as (
    select 4 as weeks_on_book
    union all
    select 12 as weeks_on_book
    union all
    select 26 as weeks_on_book
    union all
    select 52 as weeks_on_book
),

contract_horizon_ends as (
    select
        contracts.contract_id,
        contracts.vintage_month,
        contracts.first_due_date,
        contracts.first_30_dpd_date,
        contracts.is_first_payment_default,
        contracts.is_cured,
        contracts.written_off_date,
        contracts.data_through_date,
        horizons.weeks_on_book,
        {{ dbt.dateadd('day', '7 * horizons.weeks_on_book', 'contracts.signed_date') }} as horizon_date
    from contracts
    cross join horizons
),

contract_horizons as (
    select
        vintage_month,
        weeks_on_book,
        data_through_date,
        horizon_date <= data_through_date as is_mature,
        coalesce(first_30_dpd_date <= horizon_date, false) as has_reached_30_dpd,
        coalesce(written_off_date <= horizon_date, false) as is_written_off,
        case
            when {{ dbt.dateadd('day', 30, 'first_due_date') }} <= horizon_date then is_first_payment_default
        end as is_first_payment_default,
        is_cured
    from contract_horizon_ends
),

final as (
    select
        vintage_month,
        weeks_on_book,
        cast(count(*) as {{ dbt.type_int() }}) as contracts_signed,
        cast(sum(case when is_mature then 1 else 0 end) as {{ dbt.type_int() }}) as contracts_observed,
        cast(sum(case when is_mature and has_reached_30_dpd then 1 else 0 end) as {{ dbt.type_int() }})
            as contracts_reached_30_dpd,
        round(avg(case when is_mature then case when has_reached_30_dpd then 1.0 else 0.0 end end), 6)
            as share_reached_30_dpd,
        cast(sum(case when is_mature and is_written_off then 1 else 0 end) as {{ dbt.type_int() }})
            as contracts_written_off,
        round(avg(case when is_mature then case when is_written_off then 1.0 else 0.0 end end), 6)
            as share_written_off,
        cast(
            sum(case when is_mature and is_first_payment_default is not null then 1 else 0 end)
            as {{ dbt.type_int() }}
        ) as contracts_fpd_observed,
        round(
            avg(
                case
                    when is_mature and is_first_payment_default then 1.0
                    when is_mature and not is_first_payment_default then 0.0
                end
            ),
            6
        ) as first_payment_default_rate,
        round(
            avg(
                case
                    when is_mature and has_reached_30_dpd and is_cured then 1.0
                    when is_mature and has_reached_30_dpd and not is_cured then 0.0
                end
            ),
            6
        ) as cure_rate,
        max(data_through_date) as data_through_date
    from contract_horizons
    group by 1, 2
)

select * from final
