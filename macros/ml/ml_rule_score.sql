{#- A heuristic score: the base points plus the points of every rule that fired, capped at 1. `fired` is the relation
    holding one boolean column per reason code (lower case), `params` the row of ml_rule_params. -#}
{% macro ml_rule_score(codes, fired='fired', params='params') -%}
    least(
        1.0,
        {{ params }}.base_points
        {%- for code in codes %}
            + case when {{ fired }}.{{ code | lower }} then {{ params }}.{{ code | lower }}_points else 0 end
        {%- endfor %}
    )
{%- endmacro %}
