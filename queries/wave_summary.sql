-- wave_summary: one row per wave of a survey.
with responses_of_survey as (
  select
    wave,
    is_spinout,
    employees,
    turnover
  from responses
  where survey = ?
),

final as (
  select
    wave,
    count(*) as responses,
    count(case when is_spinout then 1 end) as spinouts,
    sum(employees) as employees_total,
    sum(turnover) as turnover_total
  from responses_of_survey
  group by wave
)

select
  wave,
  responses,
  spinouts,
  employees_total,
  turnover_total
from final
order by wave
