-- Row count guard: the live view has exactly one row per vehicle that ever reported telematics.
with live as (
    select count(*) as live_rows from {{ ref('rpt_fleet_live_status') }}
),

reporting as (
    select count(distinct vehicle_id) as reporting_vehicles from {{ ref('int_fleet__telematics_intervals') }}
)

select
    live.live_rows,
    reporting.reporting_vehicles
from live
cross join reporting
where live.live_rows != reporting.reporting_vehicles
