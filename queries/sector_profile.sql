-- sector_profile: one row per sector of a wave: size, staff and turnover.
with wave_responses as (
  select
    sector,
    employees,
    turnover
  from responses
  where survey = ? and wave = ?
),

totals as (
  select
    sector,
    count(*) as organisations,
    sum(employees) as employees_total,
    sum(turnover) as turnover_total
  from wave_responses
  group by sector
),

-- exact medians, portable: the middle row (odd count) or the mean of the two middle rows (even count)
employees_ranked as (
  select
    sector,
    employees,
    row_number() over (partition by sector order by employees) as rn,
    count(*) over (partition by sector) as n
  from wave_responses
  where employees is not null
),

employees_median as (
  select
    sector,
    avg(cast(employees as double)) as median_employees
  from employees_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by sector
),

turnover_ranked as (
  select
    sector,
    turnover,
    row_number() over (partition by sector order by turnover) as rn,
    count(*) over (partition by sector) as n
  from wave_responses
  where turnover is not null
),

turnover_median as (
  select
    sector,
    avg(cast(turnover as double)) as median_turnover
  from turnover_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by sector
),

final as (
  select
    totals.sector,
    totals.organisations,
    totals.employees_total,
    employees_median.median_employees,
    totals.turnover_total,
    turnover_median.median_turnover
  from totals
  left join employees_median on employees_median.sector = totals.sector
  left join turnover_median on turnover_median.sector = totals.sector
)

select
  sector,
  organisations,
  employees_total,
  median_employees,
  turnover_total,
  median_turnover
from final
order by sector
