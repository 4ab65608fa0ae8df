{#- Per use case: the labelled (mature, non-null label) and positive rows to date against the minimums of seed
    ml_readiness_minimums (the plan's threshold: with fewer, any statistical model overfits and the heuristic is the
    answer); ready or not, and why. `lafa train` reads it and refuses until ready. -#}
{%- set use_cases = ['credit_risk', 'churn', 'battery_soh', 'demand', 'maintenance'] %}
with minimums as (
    select
        use_case,
        task,
        min_labelled_rows,
        min_positive_rows
    from {{ ref('ml_readiness_minimums') }}
),

counts as (
    {%- for use_case in use_cases %}
        select
            '{{ use_case }}' as use_case,
            sum(case when label_is_mature and label is not null then 1 else 0 end) as labelled_rows,
            {%- if use_case in ['battery_soh', 'demand'] %}
                cast(null as {{ dbt.type_bigint() }}) as positive_rows,
            {%- else %}
                sum(case when label_is_mature and label then 1 else 0 end) as positive_rows,
            {%- endif %}
            max(as_of_date) as as_of_date
        from {{ ref('ml_' ~ use_case ~ '_features') }}
        {{ "union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        minimums.use_case,
        minimums.task,
        cast(coalesce(counts.labelled_rows, 0) as {{ dbt.type_bigint() }}) as labelled_rows,
        cast(
            case when minimums.task = 'classification' then coalesce(counts.positive_rows, 0) end
            as {{ dbt.type_bigint() }}
        ) as positive_rows,
        cast(minimums.min_labelled_rows as {{ dbt.type_int() }}) as min_labelled_rows,
        cast(minimums.min_positive_rows as {{ dbt.type_int() }}) as min_positive_rows,
        coalesce(counts.labelled_rows, 0) >= minimums.min_labelled_rows
        and (minimums.min_positive_rows is null or coalesce(counts.positive_rows, 0) >= minimums.min_positive_rows)
            as is_ready,
        case
            when
                coalesce(counts.labelled_rows, 0) >= minimums.min_labelled_rows
                and (
                    minimums.min_positive_rows is null
                    or coalesce(counts.positive_rows, 0) >= minimums.min_positive_rows
                )
                then 'ready'
            else
                cast(coalesce(counts.labelled_rows, 0) as {{ dbt.type_string() }}) || ' labelled rows ('
                || cast(minimums.min_labelled_rows as {{ dbt.type_string() }}) || ' needed)'
                || case
                    when minimums.min_positive_rows is not null
                        then
                            '; ' || cast(coalesce(counts.positive_rows, 0) as {{ dbt.type_string() }})
                            || ' positive (' || cast(minimums.min_positive_rows as {{ dbt.type_string() }})
                            || ' needed)'
                    else ''
                end
        end as reason,
        counts.as_of_date,
        '{{ invocation_id }}' as dbt_invocation_id,
        cast({{ dbt.current_timestamp() }} as {{ dbt.type_timestamp() }}) as built_at
    from minimums
    left join counts on minimums.use_case = counts.use_case
)

select * from final
