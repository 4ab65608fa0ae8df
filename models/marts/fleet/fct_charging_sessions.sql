{#- Every charging session (int_fleet__charging_sessions): those detected from telematics, with the OCPP export
    that covers them, and exports no telematics run explains. energy_kwh is grid-side: the export's meter delta,
    else telematics energy / AC efficiency (home). energy_battery_kwh = grid energy x charger efficiency (seed
    charger_efficiencies). Sessions without an export are home AC charging, priced at the home tariff (seed
    electricity_tariffs). energy_battery_in_soc_gain_kwh is the battery energy over the interval the SoC gain is
    read on (the SoH rule's numerator, fct_battery_health_monthly): the session's, less the energy delivered before
    soc_start_pct was read and, for an export whose meter ran past the last reading, after soc_end_pct was read. -#}
with sessions as (
    select
        session_id,
        vehicle_id,
        ocpp_session_id,
        started_at,
        ended_at,
        started_date,
        first_reading_at,
        last_reading_at,
        soc_start_pct,
        soc_end_pct,
        is_soc_start_before_plug_in,
        is_soc_end_after_unplug,
        energy_before_soc_start_kwh,
        telematics_energy_kwh
    from {{ ref('int_fleet__charging_sessions') }}
),

exports as (
    select
        ocpp_session_id,
        vehicle_source,
        station_id,
        location_type,
        charger_type,
        energy_grid_kwh,
        price_mxn
    from {{ ref('int_fleet__ocpp_exports') }}
),

efficiencies as (
    select
        charger_type,
        efficiency
    from {{ ref('charger_efficiencies') }}
),

tariffs as (
    select
        location_type,
        valid_from,
        valid_to,
        mxn_per_kwh
    from {{ ref('electricity_tariffs') }}
),

priced as (
    select
        sessions.*,
        exports.station_id,
        exports.vehicle_source,
        exports.price_mxn,
        coalesce(exports.charger_type, 'ac') as charger_type,
        coalesce(exports.location_type, 'home') as location_type,
        case
            when exports.ocpp_session_id is null then 'telematics'
            when sessions.first_reading_at is null then 'ocpp_only'
            else 'ocpp'
        end as energy_source,
        coalesce(
            exports.energy_grid_kwh,
            sessions.telematics_energy_kwh
            / (
                select efficiencies.efficiency from efficiencies
                where efficiencies.charger_type = 'ac'
            )
        ) as energy_kwh
    from sessions
    left join exports on sessions.ocpp_session_id = exports.ocpp_session_id
),

final as (
    select
        priced.session_id,
        priced.vehicle_id,
        priced.started_at,
        priced.ended_at,
        priced.started_date,
        {{ minutes_between('priced.started_at', 'priced.ended_at') }} as duration_minutes,
        priced.first_reading_at,
        priced.last_reading_at,
        priced.soc_start_pct,
        priced.soc_end_pct,
        priced.soc_end_pct - priced.soc_start_pct as soc_gain_pct,
        priced.is_soc_start_before_plug_in,
        priced.is_soc_end_after_unplug,
        priced.energy_kwh,
        priced.energy_kwh * efficiencies.efficiency as energy_battery_kwh,
        priced.energy_kwh * efficiencies.efficiency
        - priced.energy_before_soc_start_kwh
        - case
            when priced.energy_source = 'ocpp' and not priced.is_soc_end_after_unplug
                then greatest(priced.energy_kwh * efficiencies.efficiency - priced.telematics_energy_kwh, 0)
            else 0
        end as energy_battery_in_soc_gain_kwh,
        priced.energy_source,
        priced.charger_type,
        priced.location_type,
        priced.ocpp_session_id,
        priced.vehicle_source,
        priced.station_id,
        cast(
            coalesce(priced.price_mxn, round(priced.energy_kwh * tariffs.mxn_per_kwh, 2))
            as {{ type_money() }}
        ) as cost_mxn
    from priced
    left join efficiencies on priced.charger_type = efficiencies.charger_type
    left join tariffs
        on
            priced.location_type = tariffs.location_type
            and priced.started_date between tariffs.valid_from and tariffs.valid_to
)

select * from final
