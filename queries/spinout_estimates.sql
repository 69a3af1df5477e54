-- spinout_estimates: how many spin-outs the population has by parent body, then by region (one row each),
-- estimated with the wave's calibration weights (survey weight), with standard errors (delete-a-group
-- jackknife, JK1) and 95% intervals. Spin-outs that did not say which body they came from are shared among
-- the parent bodies in proportion to those that did, so the parent bodies add up to all spin-outs.
with weighted as (
  -- every weighted spin-out once per replicate: replicate 0 is the calibrated weight, 1..G the replicates
  select
    r.parent_body,
    r.region,
    w.replicate,
    w.weight
  from responses as r
  inner join weights as w
    on w.response_id = r.response_id and w.ingested_at = r.ingested_at
  where r.survey = ? and r.wave = ? and w.survey = ? and w.wave = ? and r.is_spinout
),

totals as (
  select
    replicate,
    sum(weight) as spinouts,
    sum(case when parent_body is not null then weight else 0.0 end) as known
  from weighted
  group by replicate
),

parent_weights as (
  select
    parent_body,
    replicate,
    sum(weight) as spinouts
  from weighted
  where parent_body is not null
  group by parent_body, replicate
),

by_replicate as (
  select
    p.parent_body,
    cast(null as varchar) as region,
    p.parent_body as category,
    p.replicate,
    t.spinouts * p.spinouts / cast(nullif(t.known, 0) as double) as spinouts
  from parent_weights as p
  inner join totals as t on t.replicate = p.replicate
  union all
  select
    cast(null as varchar) as parent_body,
    region,
    region as category,
    replicate,
    sum(weight) as spinouts
  from weighted
  group by region, replicate
),

full_sample as (
  select
    parent_body,
    region,
    category,
    spinouts
  from by_replicate
  where replicate = 0
),

-- JK1 variance: (G - 1) / G times the sum over the G replicates of the squared deviation from the estimate
variance as (
  select
    b.category,
    cast(count(*) - 1 as double) / count(*) as scale,
    sum((b.spinouts - f.spinouts) * (b.spinouts - f.spinouts)) as spinouts_ss
  from by_replicate as b
  inner join full_sample as f on f.category = b.category
  where b.replicate > 0
  group by b.category
),

contributors as (
  select
    parent_body as category,
    count(*) as respondents
  from weighted
  where replicate = 0 and parent_body is not null
  group by parent_body
  union all
  select
    region as category,
    count(*) as respondents
  from weighted
  where replicate = 0
  group by region
),

estimates as (
  select
    f.parent_body,
    f.region,
    c.respondents,
    f.spinouts as spinouts_estimate,
    sqrt(v.scale * v.spinouts_ss) as spinouts_se
  from full_sample as f
  inner join variance as v on v.category = f.category
  inner join contributors as c on c.category = f.category
),

-- 95% intervals: estimate ± 1.959963984540054 standard errors (the normal quantile), never below 0; the case
-- keeps a null standard error null (DuckDB's greatest and least skip nulls, Trino's return null)
final as (
  select
    parent_body,
    region,
    respondents,
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
  parent_body,
  region,
  respondents,
  spinouts_estimate,
  spinouts_se,
  spinouts_ci_low,
  spinouts_ci_high
from final
order by case when parent_body is null then 1 else 0 end, parent_body, region
