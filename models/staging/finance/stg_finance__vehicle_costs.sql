with source as (
    {{ latest_loaded(source('finance', 'vehicle_costs'), 'cost_id') }}
),

final as (
    select
        trim(cost_id) as cost_id,
        {{ clean_text('vehicle_id') }} as vehicle_id,
        cast(concat(trim(month), '-01') as date) as cost_month,
        {{ clean_category('category') }} as category,
        cast(amount_mxn as {{ type_money() }}) as amount_mxn,
        {{ clean_text('vehicle_id') }} is null as is_fleet_wide
    from source
)

select * from final
