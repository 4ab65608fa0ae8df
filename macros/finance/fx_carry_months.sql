{#- How many months back a month may carry the FX rate of an earlier seed month (the Banxico monthly average is
    published after the month ends, so the seed lags the data): 2, or var finance_fx_carry_months. The one place
    of this tolerance; a month with costs and no rate within it fails the build
    (tests/finance/assert_every_cost_is_priced.sql). Tariffs, tooling and warehouse prices are never carried: their
    seed rows say when they are valid. -#}
{% macro fx_carry_months() -%}
    {{ return(var('finance_fx_carry_months', 2) | int) }}
{%- endmacro %}
