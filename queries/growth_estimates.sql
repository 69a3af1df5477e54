-- growth_estimates: one row per sector of a wave: the share of the sector's organisations whose turnover
-- grew (last financial year above the year before), estimated with the wave's calibration weights (survey
-- weight) over the organisations whose turnover is known for both years, with its standard error
-- (delete-a-group jackknife, JK1) and a 95% interval.
with weighted as (
  -- every weighted row once per replicate: replicate 0 is the calibrated weight, 1..G the jackknife replicates
  select
    r.sector,
    case when r.turnover is not null and r.turnover_prev > 0 then 1 else 0 end as known,
    case when r.turnover is not null and r.turnover_prev > 0 and r.turnover > r.turnover_prev then 1 else 0 end
      as grew,
    w.replicate,
    w.weight
  from responses as r
  inner join weights as w
    on w.response_id = r.response_id and w.ingested_at = r.ingested_at
  where r.survey = ? and r.wave = ? and w.survey = ? and w.wave = ?
),

by_replicate as (
  select
    sector,
    replicate,
    sum(grew * weight) / cast(nullif(sum(known * weight), 0) as double) as share_grew
  from weighted
  group by sector, replicate
),

full_sample as (
  select
    sector,
    share_grew
  from by_replicate
  where replicate = 0
),

-- JK1 variance: (G - 1) / G times the sum over the G replicates of the squared deviation from the estimate;
-- not defined when a replicate has no organisation with both turnovers known
variance as (
  select
    b.sector,
    case
      when count(b.share_grew) = count(*)
        then cast(count(*) - 1 as double) / count(*)
          * sum((b.share_grew - f.share_grew) * (b.share_grew - f.share_grew))
    end as share_grew_variance
  from by_replicate as b
  inner join full_sample as f on f.sector = b.sector
  where b.replicate > 0
  group by b.sector
),

contributors as (
  select
    sector,
    sum(known) as respondents
  from weighted
  where replicate = 0
  group by sector
),

estimates as (
  select
    f.sector,
    c.respondents,
    f.share_grew as share_grew_estimate,
    case when f.share_grew is not null then sqrt(v.share_grew_variance) end as share_grew_se
  from full_sample as f
  inner join variance as v on v.sector = f.sector
  inner join contributors as c on c.sector = f.sector
),

-- 95% intervals: estimate ± 1.959963984540054 standard errors (the normal quantile), within 0..1; the case
-- keeps a null standard error null (DuckDB's greatest and least skip nulls, Trino's return null)
final as (
  select
    sector,
    respondents,
    share_grew_estimate,
    share_grew_se,
    case
      when share_grew_se is not null
        then greatest(cast(0 as double), share_grew_estimate - 1.959963984540054 * share_grew_se)
    end as share_grew_ci_low,
    case
      when share_grew_se is not null
        then least(cast(1 as double), share_grew_estimate + 1.959963984540054 * share_grew_se)
    end as share_grew_ci_high
  from estimates
)

select
  sector,
  respondents,
  share_grew_estimate,
  share_grew_se,
  share_grew_ci_low,
  share_grew_ci_high
from final
order by sector
