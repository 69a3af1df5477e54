-- sector_estimates: one row per sector of a wave: how many organisations and how many spin-outs the sector
-- has in the population, estimated with the wave's calibration weights (survey weight), each with its
-- standard error (delete-a-group jackknife, JK1) and a 95% interval.
with weighted as (
  -- every weighted row once per replicate: replicate 0 is the calibrated weight, 1..G the jackknife replicates
  select
    r.sector,
    r.is_spinout,
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
    sum(weight) as organisations,
    sum(case when is_spinout then weight else 0.0 end) as spinouts
  from weighted
  group by sector, replicate
),

full_sample as (
  select
    sector,
    organisations,
    spinouts
  from by_replicate
  where replicate = 0
),

-- JK1 variance: (G - 1) / G times the sum over the G replicates of the squared deviation from the estimate
variance as (
  select
    b.sector,
    cast(count(*) - 1 as double) / count(*) as scale,
    sum((b.organisations - f.organisations) * (b.organisations - f.organisations)) as organisations_ss,
    sum((b.spinouts - f.spinouts) * (b.spinouts - f.spinouts)) as spinouts_ss
  from by_replicate as b
  inner join full_sample as f on f.sector = b.sector
  where b.replicate > 0
  group by b.sector
),

contributors as (
  select
    sector,
    count(*) as respondents,
    count(case when is_spinout then 1 end) as spinout_respondents
  from weighted
  where replicate = 0
  group by sector
),

estimates as (
  select
    f.sector,
    c.respondents,
    c.spinout_respondents,
    f.organisations as organisations_estimate,
    sqrt(v.scale * v.organisations_ss) as organisations_se,
    f.spinouts as spinouts_estimate,
    sqrt(v.scale * v.spinouts_ss) as spinouts_se
  from full_sample as f
  inner join variance as v on v.sector = f.sector
  inner join contributors as c on c.sector = f.sector
),

-- 95% intervals: estimate ± 1.959963984540054 standard errors (the normal quantile), never below 0; the case
-- keeps a null standard error null (DuckDB's greatest and least skip nulls, Trino's return null)
final as (
  select
    sector,
    respondents,
    spinout_respondents,
    organisations_estimate,
    organisations_se,
    case
      when organisations_se is not null
        then greatest(cast(0 as double), organisations_estimate - 1.959963984540054 * organisations_se)
    end as organisations_ci_low,
    organisations_estimate + 1.959963984540054 * organisations_se as organisations_ci_high,
    spinouts_estimate,
    spinouts_se,
    case
      when spinouts_se is not null
        then greatest(cast(0 as double), spinouts_estimate - 1.959963984540054 * spinouts_se)
    end as spinouts_ci_low,
    spinouts_estimate + 1.959963984540054 * spinouts_se as spinouts_ci_high
  from estimates
)

select
  sector,
  respondents,
  spinout_respondents,
  organisations_estimate,
  organisations_se,
  organisations_ci_low,
  organisations_ci_high,
  spinouts_estimate,
  spinouts_se,
  spinouts_ci_low,
  spinouts_ci_high
from final
order by sector
