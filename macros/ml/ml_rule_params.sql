{#- One row with the thresholds and points of a use case's heuristic rules (seed ml_heuristic_rules): base_points, and
    <code>_threshold and <code>_points for each reason code in `codes` (lower case). -#}
{% macro ml_rule_params(use_case, codes) -%}
    select
        max(case when reason_code = 'BASE' then points end) as base_points
        {%- for code in codes %},
            max(case when reason_code = '{{ code }}' then threshold end) as {{ code | lower }}_threshold,
            max(case when reason_code = '{{ code }}' then points end) as {{ code | lower }}_points
        {%- endfor %}
    from {{ ref('ml_heuristic_rules') }}
    where use_case = '{{ use_case }}'
{%- endmacro %}
