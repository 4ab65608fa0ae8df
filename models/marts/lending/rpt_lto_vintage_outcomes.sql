{#- Credit outcomes per signing month: first-payment default rate (among contracts whose first installment is
    30+ days past due date), share that reached 30+ DPD, and cure rate among those. -#}
with contracts as (
    select
        vintage_month,
        is_first_payment_default,
        has_reached_30_dpd,
        is_cured,
        status
    from {{ ref('dim_contracts') }}
),

final as (
    select
        vintage_month,
        count(*) as contracts,
        sum(case when status = 'terminated' then 1 else 0 end) as contracts_terminated,
        round(avg(case when is_first_payment_default then 1.0 when not is_first_payment_default then 0.0 end), 4)
            as first_payment_default_rate,
        round(avg(case when has_reached_30_dpd then 1.0 else 0.0 end), 4) as share_reached_30_dpd,
        round(avg(case when has_reached_30_dpd then case when is_cured then 1.0 else 0.0 end end), 4) as cure_rate
    from contracts
    group by 1
)

select * from final
