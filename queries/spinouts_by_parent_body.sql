-- spinouts_by_parent_body: one row per parent public body of the spin-outs of a wave.
with spinouts as (
  select
    parent_body,
    employees,
    turnover
  from responses
  where survey = ? and wave = ? and is_spinout and parent_body is not null
),

totals as (
  select
    parent_body,
    count(*) as spinouts,
    sum(employees) as employees_total
  from spinouts
  group by parent_body
),

-- exact medians, portable. Headcounts repeat a lot, so count each value once and find the values at the
-- middle positions floor((n + 1) / 2) and floor(n / 2) + 1: one value for an odd count, the mean of two
-- for an even one. This avoids sorting every row, which is what costs time on a million rows.
employees_counts as (
  select
    parent_body,
    employees,
    count(*) as c
  from spinouts
  where employees is not null
  group by parent_body, employees
),

employees_positions as (
  select
    parent_body,
    employees,
    c,
    sum(c) over (partition by parent_body order by employees rows between unbounded preceding and current row) as upto,
    sum(c) over (partition by parent_body) as n
  from employees_counts
),

employees_median as (
  select
    parent_body,
    avg(cast(employees as double)) as median_employees
  from employees_positions
  where upto - c < floor(n / 2.0) + 1 and upto >= floor((n + 1) / 2.0)
  group by parent_body
),

-- turnover rarely repeats: rank the rows, keep the middle row (odd count) or the two middle rows (even count)
turnover_ranked as (
  select
    parent_body,
    turnover,
    row_number() over (partition by parent_body order by turnover) as rn,
    count(*) over (partition by parent_body) as n
  from spinouts
  where turnover is not null
),

turnover_median as (
  select
    parent_body,
    avg(cast(turnover as double)) as median_turnover
  from turnover_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by parent_body
),

final as (
  select
    totals.parent_body,
    totals.spinouts,
    totals.employees_total,
    employees_median.median_employees,
    turnover_median.median_turnover
  from totals
  left join employees_median on employees_median.parent_body = totals.parent_body
  left join turnover_median on turnover_median.parent_body = totals.parent_body
)

select
  parent_body,
  spinouts,
  employees_total,
  median_employees,
  median_turnover
from final
order by parent_body
