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

-- exact medians, portable. Headcounts repeat a lot, so count each value once and find the values at the
-- middle positions floor((n + 1) / 2) and floor(n / 2) + 1: one value for an odd count, the mean of two
-- for an even one. This avoids sorting every row, which is what costs time on a million rows.
employees_counts as (
  select
    sector,
    employees,
    count(*) as c
  from wave_responses
  where employees is not null
  group by sector, employees
),

employees_positions as (
  select
    sector,
    employees,
    c,
    sum(c) over (partition by sector order by employees rows between unbounded preceding and current row) as upto,
    sum(c) over (partition by sector) as n
  from employees_counts
),

employees_median as (
  select
    sector,
    avg(cast(employees as double)) as median_employees
  from employees_positions
  where upto - c < floor(n / 2.0) + 1 and upto >= floor((n + 1) / 2.0)
  group by sector
),

-- turnover rarely repeats: rank the rows, keep the middle row (odd count) or the two middle rows (even count)
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
