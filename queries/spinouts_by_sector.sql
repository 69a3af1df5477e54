-- spinouts_by_sector: one row per sector of a wave, most spin-outs first.
with wave_responses as (
  select
    sector,
    is_spinout
  from responses
  where survey = ? and wave = ?
),

final as (
  select
    sector,
    count(*) as organisations,
    count(case when is_spinout then 1 end) as spinouts,
    -- a share over the rows where the answer is known
    avg(cast(case when is_spinout then 1 when not is_spinout then 0 end as double)) as spinout_share
  from wave_responses
  group by sector
)

select
  sector,
  organisations,
  spinouts,
  spinout_share
from final
order by spinouts desc, sector
