{#- Every charging session: telematics sessions with the OCPP export matched to them
    (int_fleet__ocpp_session_matches), plus OCPP sessions no telematics session explains.
    energy_kwh is grid-side: the OCPP meter delta when matched, else telematics energy / AC efficiency (home).
    energy_battery_kwh = grid energy x charger efficiency (seed charger_efficiencies). Sessions without an
    export are home AC charging, priced at the home tariff (seed electricity_tariffs). -#}
with detected as (
    select
        session_id,
        vehicle_id,
        started_at,
        ended_at,
        started_date,
        soc_start_pct,
        soc_end_pct,
        telematics_energy_kwh
    from {{ ref('int_fleet__charging_sessions') }}
),

ocpp as (
    select
        ocpp_session_id,
        session_id,
        vehicle_id,
        station_id,
        location_type,
        charger_type,
        started_at,
        stopped_at,
        energy_grid_kwh,
        price_mxn
    from {{ ref('int_fleet__ocpp_session_matches') }}
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

telematics_sessions as (
    select
        detected.session_id,
        detected.vehicle_id,
        detected.started_at,
        detected.ended_at,
        detected.started_date,
        detected.soc_start_pct,
        detected.soc_end_pct,
        ocpp.ocpp_session_id,
        ocpp.station_id,
        coalesce(ocpp.charger_type, 'ac') as charger_type,
        coalesce(ocpp.location_type, 'home') as location_type,
        case when ocpp.ocpp_session_id is null then 'telematics' else 'ocpp' end as energy_source,
        -- the export's energy belongs to the whole session only when the telematics session spans it too
        -- (not the case for a session still in flight at the data cutoff)
        ocpp.ocpp_session_id is null
        or (
            abs({{ dbt.datediff('detected.started_at', 'ocpp.started_at', 'second') }}) <= 600
            and abs({{ dbt.datediff('detected.ended_at', 'ocpp.stopped_at', 'second') }}) <= 600
        ) as is_energy_complete,
        coalesce(
            ocpp.energy_grid_kwh,
            detected.telematics_energy_kwh
            / (
                select efficiencies.efficiency from efficiencies
                where efficiencies.charger_type = 'ac'
            )
        ) as energy_kwh,
        ocpp.price_mxn
    from detected
    left join ocpp on detected.session_id = ocpp.session_id
),

ocpp_only as (
    select
        ocpp.ocpp_session_id as session_id,
        ocpp.vehicle_id,
        ocpp.started_at,
        ocpp.stopped_at as ended_at,
        {{ local_date('ocpp.started_at') }} as started_date,
        cast(null as {{ dbt.type_float() }}) as soc_start_pct,
        cast(null as {{ dbt.type_float() }}) as soc_end_pct,
        ocpp.ocpp_session_id,
        ocpp.station_id,
        ocpp.charger_type,
        ocpp.location_type,
        'ocpp_only' as energy_source,
        false as is_energy_complete,
        ocpp.energy_grid_kwh as energy_kwh,
        ocpp.price_mxn
    from ocpp
    where ocpp.session_id is null
),

all_sessions as (
    select * from telematics_sessions
    union all
    select * from ocpp_only
),

final as (
    select
        all_sessions.session_id,
        all_sessions.vehicle_id,
        all_sessions.started_at,
        all_sessions.ended_at,
        all_sessions.started_date,
        {{ minutes_between('all_sessions.started_at', 'all_sessions.ended_at') }} as duration_minutes,
        all_sessions.soc_start_pct,
        all_sessions.soc_end_pct,
        all_sessions.soc_end_pct - all_sessions.soc_start_pct as soc_gain_pct,
        all_sessions.energy_kwh,
        all_sessions.energy_kwh * efficiencies.efficiency as energy_battery_kwh,
        all_sessions.energy_source,
        all_sessions.is_energy_complete,
        all_sessions.charger_type,
        all_sessions.location_type,
        all_sessions.ocpp_session_id,
        all_sessions.station_id,
        cast(
            coalesce(all_sessions.price_mxn, round(all_sessions.energy_kwh * tariffs.mxn_per_kwh, 2))
            as {{ type_money() }}
        ) as cost_mxn
    from all_sessions
    left join efficiencies on all_sessions.charger_type = efficiencies.charger_type
    left join tariffs
        on
            all_sessions.location_type = tariffs.location_type
            and all_sessions.started_date between tariffs.valid_from and tariffs.valid_to
)

select * from final
