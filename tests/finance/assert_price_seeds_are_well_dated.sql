-- The finance price seeds are dated so that a lookup finds at most one price (docs/finance.md, "Prices"): validity
-- ranges end on or after they start and never overlap within a tariff's location type, a tooling component or a
-- warehouse pricing model; tooling ranges start on a month's first day (a month is charged at the rows valid on its
-- first day) and FX rows are months' first days.
with ranges as (
    select
        'electricity_tariffs' as seed_name,
        location_type as price_key,
        valid_from,
        valid_to
    from {{ ref('electricity_tariffs') }}
    union all
    select
        'data_tooling_costs' as seed_name,
        concat(phase, '/', component) as price_key,
        valid_from,
        valid_to
    from {{ ref('data_tooling_costs') }}
    union all
    select
        'warehouse_pricing' as seed_name,
        pricing_model as price_key,
        valid_from,
        valid_to
    from {{ ref('warehouse_pricing') }}
),

overlapping as (
    select
        earlier.seed_name,
        earlier.price_key,
        earlier.valid_from,
        'overlaps a later range' as problem
    from ranges as earlier
    inner join ranges as later
        on
            earlier.seed_name = later.seed_name
            and earlier.price_key = later.price_key
            and earlier.valid_from < later.valid_from
            and earlier.valid_to >= later.valid_from
),

reversed as (
    select
        seed_name,
        price_key,
        valid_from,
        'ends before it starts' as problem
    from ranges
    where valid_to < valid_from
),

off_month as (
    select
        seed_name,
        price_key,
        valid_from,
        'does not start on the first day of a month' as problem
    from ranges
    where seed_name = 'data_tooling_costs' and extract(day from valid_from) != 1
    union all
    select
        'fx_mxn_per_usd_monthly' as seed_name,
        'month' as price_key,
        month as valid_from,
        'is not the first day of a month' as problem
    from {{ ref('fx_mxn_per_usd_monthly') }}
    where extract(day from month) != 1
)

select
    seed_name,
    price_key,
    valid_from,
    problem
from overlapping
union all
select
    seed_name,
    price_key,
    valid_from,
    problem
from reversed
union all
select
    seed_name,
    price_key,
    valid_from,
    problem
from off_month
