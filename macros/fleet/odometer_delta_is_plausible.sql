{#- Whether an odometer change between two readings is driving (docs/fleet_battery.md, km driven): not backwards
    and at an implied speed of at most var odometer_max_plausible_kmh (200); readings under a minute apart may
    move one minute's worth. Null when either reading is missing. -#}
{% macro odometer_delta_is_plausible(from_km, to_km, from_at, to_at) -%}
    (
        {{ to_km }} - {{ from_km }} >= 0
        and {{ to_km }} - {{ from_km }}
        <= {{ var('odometer_max_plausible_kmh') }}
        * greatest({{ dbt.datediff(from_at, to_at, 'second') }}, 60) / 3600.0
    )
{%- endmacro %}
