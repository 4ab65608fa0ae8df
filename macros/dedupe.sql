{#- Keep one row per key: the one from the latest load (files are snapshots of current state). -#}
{% macro latest_loaded(relation, key) -%}
    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key }}
                order by _loaded_at desc, _file desc, _row_number desc
            ) as _load_rank
        from {{ relation }}
    ) as ranked
    where _load_rank = 1
{%- endmacro %}
