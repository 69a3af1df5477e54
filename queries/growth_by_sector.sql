-- growth_by_sector: one row per sector of a wave: self-reported turnover trend and measured growth.
with wave_responses as (
  select
    sector,
    turnover,
    turnover_prev,
    turnover_trend
  from responses
  where survey = ? and wave = ?
),

trends as (
  select
    sector,
    count(turnover_trend) as respondents,
    -- shares over the rows where the trend is known
    avg(cast(case when turnover_trend = 'increased' then 1 when turnover_trend is not null then 0 end as double))
      as share_increased,
    avg(cast(case when turnover_trend = 'same' then 1 when turnover_trend is not null then 0 end as double))
      as share_same,
    avg(cast(case when turnover_trend = 'decreased' then 1 when turnover_trend is not null then 0 end as double))
      as share_decreased
  from wave_responses
  group by sector
),

growth as (
  select
    sector,
    turnover / cast(turnover_prev as double) - 1 as turnover_growth
  from wave_responses
  where turnover is not null and turnover_prev > 0
),

-- exact median, portable: the middle row (odd count) or the mean of the two middle rows (even count)
growth_ranked as (
  select
    sector,
    turnover_growth,
    row_number() over (partition by sector order by turnover_growth) as rn,
    count(*) over (partition by sector) as n
  from growth
),

growth_median as (
  select
    sector,
    avg(cast(turnover_growth as double)) as median_turnover_growth
  from growth_ranked
  where rn between n / 2.0 and n / 2.0 + 1
  group by sector
),

final as (
  select
    trends.sector,
    trends.respondents,
    trends.share_increased,
    trends.share_same,
    trends.share_decreased,
    growth_median.median_turnover_growth
  from trends
  left join growth_median on growth_median.sector = trends.sector
)

select
  sector,
  respondents,
  share_increased,
  share_same,
  share_decreased,
  median_turnover_growth
from final
order by sector
