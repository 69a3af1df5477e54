-- regional_profile: one row per region of a wave (rows with a known region).
with wave_responses as (
  select
    region,
    is_spinout,
    employees
  from responses
  where survey = ? and wave = ? and region is not null
),

final as (
  select
    region,
    count(*) as organisations,
    count(case when is_spinout then 1 end) as spinouts,
    sum(employees) as employees_total
  from wave_responses
  group by region
)

select
  region,
  organisations,
  spinouts,
  employees_total
from final
order by region
