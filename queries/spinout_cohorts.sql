-- spinout_cohorts: one row per spin-out year of the spin-outs of a wave, with the running total.
with spinouts as (
  select spinout_year
  from responses
  where survey = ? and wave = ? and is_spinout and spinout_year is not null
),

by_year as (
  select
    spinout_year,
    count(*) as spinouts
  from spinouts
  group by spinout_year
),

final as (
  select
    spinout_year,
    spinouts,
    sum(spinouts) over (order by spinout_year rows between unbounded preceding and current row) as cumulative_spinouts
  from by_year
)

select
  spinout_year,
  spinouts,
  cumulative_spinouts
from final
order by spinout_year
