-- governance_and_value: one row per kind of organisation (spin-out or not) of a wave.
with wave_responses as (
  select
    is_spinout,
    employee_owned,
    staff_voice_strategy,
    staff_voice_policy,
    staff_voice_operations,
    measures_social_value,
    new_services
  from responses
  where survey = ? and wave = ? and is_spinout is not null
),

-- every share is over the rows where that answer is known
final as (
  select
    is_spinout,
    count(*) as organisations,
    avg(cast(case when employee_owned then 1 when not employee_owned then 0 end as double))
      as share_employee_owned,
    avg(cast(case when staff_voice_strategy then 1 when not staff_voice_strategy then 0 end as double))
      as share_staff_voice_strategy,
    avg(cast(case when staff_voice_policy then 1 when not staff_voice_policy then 0 end as double))
      as share_staff_voice_policy,
    avg(cast(case when staff_voice_operations then 1 when not staff_voice_operations then 0 end as double))
      as share_staff_voice_operations,
    avg(cast(case when measures_social_value then 1 when not measures_social_value then 0 end as double))
      as share_measures_social_value,
    avg(cast(case when new_services then 1 when not new_services then 0 end as double))
      as share_new_services
  from wave_responses
  group by is_spinout
)

select
  is_spinout,
  organisations,
  share_employee_owned,
  share_staff_voice_strategy,
  share_staff_voice_policy,
  share_staff_voice_operations,
  share_measures_social_value,
  share_new_services
from final
order by is_spinout
