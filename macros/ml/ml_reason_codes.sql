{#- The reason codes of the rules that fired, '|'-separated in the order given ('' when none). `fired` holds one
    boolean column per code (lower case). -#}
{% macro ml_reason_codes(codes, fired='fired') -%}
    rtrim(
        {%- for code in codes %}
            coalesce(case when {{ fired }}.{{ code | lower }} then '{{ code }}|' end, ''){{ " ||" if not loop.last }}
        {%- endfor %},
        '|'
    )
{%- endmacro %}
