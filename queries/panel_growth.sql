-- panel_growth: one row per sector (as in the later wave) of the organisations that answered both waves.
with earlier as (
  select
    org_id,
    employees,
    turnover
  from responses
  where survey = ? and wave = ?
),

later as (
  select
    org_id,
    sector,
    employees,
    turnover
  from responses
  where survey = ? and wave = ?
),

matched as (
  select
    later.sector,
    earlier.employees as employees_from,
    later.employees as employees_to,
    earlier.turnover as turnover_from,
    later.turnover as turnover_to
  from later
  inner join earlier on earlier.org_id = later.org_id
),

counts as (
  select
    sector,
    count(*) as matched_organisations,
    -- a share over the organisations whose turnover is known in both waves
    avg(cast(
      case
        when turnover_to > turnover_from then 1
        when turnover_to is not null and turnover_from is not null then 0
      end as double
    )) as share_grew
  from matched
  group by sector
),

turnover_growth as (
  select
    sector,
    turnover_to / cast(turnover_from as double) - 1 as growth
  from matched
  where turnover_to is not null and turnover_from > 0
),

employee_growth as (
  select
    sector,
    cast(employees_to as double) / employees_from - 1 as growth
  from matched
  where employees_to is not null and employees_from > 0
),

-- exact medians, portable: the middle row (odd count) or the mean of the two middle rows (even count)
turnover_ranked as (
  select
    sector,
    growth,
    row_number() over (partition by sector order by growth) as rn,
    count(*) over (partition by sector) as n
  from turnover_growth
),

turnover_median as (
  select
    sector,
    avg(cast(growth as double)) as median_turnover_growth
  from turnover_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by sector
),

employee_ranked as (
  select
    sector,
    growth,
    row_number() over (partition by sector order by growth) as rn,
    count(*) over (partition by sector) as n
  from employee_growth
),

employee_median as (
  select
    sector,
    avg(cast(growth as double)) as median_employee_growth
  from employee_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by sector
),

final as (
  select
    counts.sector,
    counts.matched_organisations,
    turnover_median.median_turnover_growth,
    employee_median.median_employee_growth,
    counts.share_grew
  from counts
  left join turnover_median on turnover_median.sector = counts.sector
  left join employee_median on employee_median.sector = counts.sector
)

select
  sector,
  matched_organisations,
  median_turnover_growth,
  median_employee_growth,
  share_grew
from final
order by sector
