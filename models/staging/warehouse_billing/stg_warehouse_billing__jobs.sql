with source as (
    {{ latest_loaded(source('warehouse_billing', 'warehouse_jobs'), 'job_id') }}
),

final as (
    select
        trim(job_id) as job_id,
        -- keyed token of the user e-mail, computed by the loader (docs/privacy.md); the e-mail never reaches raw
        user_token,
        {{ parse_utc_timestamp('creation_time') }} as created_at,
        cast({{ dbt.date_trunc('month', local_date(parse_utc_timestamp('creation_time'))) }} as date) as job_month,
        {{ clean_category('job_type') }} as job_type,
        {{ clean_category('statement_type') }} as statement_type,
        coalesce(cast({{ clean_text('total_bytes_billed') }} as {{ dbt.type_bigint() }}), 0) as bytes_billed,
        {{ clean_category('cache_hit') }} in ('true', '1', 't', 'yes') as is_cache_hit
    from source
)

select * from final
