# The independent computation of survey weight and the weighted saved queries, with R's survey package
# (Lumley): the JK1 design re-derived from the rows' jackknife groups, raked with rake() (no bounds) or
# calibrate(calfun = "raking", bounds = ...), then svytotal / svymean / withReplicates under that design.
#
# Rscript survey-estimates.R <dir> <method: rake|calibrate|verify> <low> <high>
#   <dir>/rows.csv   response_id, grp, region, legal_form, employees, sector, is_spinout, parent_body,
#                    turnover, turnover_prev (one row per weighted response)
#   <dir>/frame.csv  region, legal_form, size_band, organisations
#   <dir>/weights.csv (verify only) the pipeline's weights: response_id, replicate, weight
# writes <dir>/r-weights.csv (response_id, replicate, weight; replicate = the group left out, 0 = the
# calibrated weight), <dir>/r-estimates.csv (query, key, name, estimate, se, lower, upper) and, for verify,
# <dir>/r-checks.csv (per replicate: margin error, weights out of bounds, residual of log g, wrongly held).
args <- commandArgs(trailingOnly = TRUE)
dir <- args[1]
method <- args[2]
low <- as.numeric(args[3])
high <- as.numeric(args[4])
suppressMessages(library(survey))
# A replicate that fails to converge is only a warning in calibrate(): make it stop the comparison instead.
options(warn = 2)

rows <- read.csv(file.path(dir, "rows.csv"), stringsAsFactors = FALSE, na.strings = "",
                 colClasses = c(response_id = "character", parent_body = "character"))
frame <- read.csv(file.path(dir, "frame.csv"), stringsAsFactors = FALSE,
                  colClasses = c("character", "character", "character", "numeric"))
frame <- frame[frame$organisations > 0, ]
# Size bands by headcount, computed here from employees rather than taken from the pipeline.
rows$size_band <- as.character(cut(rows$employees, c(-Inf, 0.5, 9.5, 49.5, 249.5, Inf),
                                   labels = c("0", "1-9", "10-49", "50-249", "250+")))
for (v in c("region", "legal_form", "size_band")) {
  lv <- sort(unique(frame[[v]]))
  rows[[v]] <- factor(rows[[v]], levels = lv)
  frame[[v]] <- factor(frame[[v]], levels = lv)
}
N <- sum(frame$organisations)
rows$d <- N / nrow(rows)
rows$one <- 1
rows$spin <- as.numeric(rows$is_spinout == "true")

design <- svydesign(ids = ~grp, weights = ~d, data = rows)
jk <- as.svrepdesign(design, type = "JK1", mse = TRUE, compress = FALSE)

if (method == "rake") {
  margin <- function(v) {
    t <- aggregate(frame$organisations, list(frame[[v]]), sum)
    names(t) <- c(v, "Freq")
    t
  }
  cal <- rake(jk, list(~region, ~legal_form, ~size_band),
              list(margin("region"), margin("legal_form"), margin("size_band")),
              control = list(maxit = 500, epsilon = 1e-14))
} else if (method == "calibrate") {
  totals <- colSums(model.matrix(~region + legal_form + size_band, frame) * frame$organisations)
  cal <- calibrate(jk, ~region + legal_form + size_band, population = totals, calfun = "raking",
                   bounds = c(low, high), epsilon = 1e-13, maxit = 1000, compress = FALSE)
} else {
  # verify: survey's Newton steps for bounded raking stall once many weights sit at a bound (its cal.raking
  # tests the linear predictor u against bounds - 1, right for the linear function, not for exp(u)), so here R
  # checks instead that the pipeline's weights are the solution, which is unique: every replicate meets the
  # margins, stays within the bounds, and has g = clip(exp(additive in the margins), lower, upper).
  ours <- read.csv(file.path(dir, "weights.csv"), colClasses = c(response_id = "character"))
  ours <- ours[order(ours$replicate, match(ours$response_id, rows$response_id)), ]
  reps <- sort(unique(ours$replicate))
  G <- max(reps)
  mm <- model.matrix(~region + legal_form + size_band, rows)
  totals <- colSums(model.matrix(~region + legal_form + size_band, frame) * frame$organisations)
  checks <- data.frame()
  for (r in reps) {
    w <- ours$weight[ours$replicate == r]
    d <- if (r == 0) rows$d else ifelse(rows$grp == r, 0, rows$d * G / (G - 1))
    keep <- d > 0
    g <- w[keep] / d[keep]
    margin_error <- max(abs(colSums(mm * w) - totals) / totals)
    free <- g > low * (1 + 1e-9) & g < high * (1 - 1e-9)
    fit <- lm(log(g) ~ region + legal_form + size_band, data = rows[keep, ], subset = free)
    at_high <- g >= high * (1 - 1e-9)
    at_low <- g <= low * (1 + 1e-9)
    # A weight held at a bound is one whose unbounded value would pass it; checked when the free weights
    # identify every margin's multipliers (a full-rank fit).
    wrongly_held <- NA
    if (!anyNA(coef(fit))) {
      predicted <- predict(fit, newdata = rows[keep, ])
      wrongly_held <- sum((at_high & predicted < log(high) - 1e-6) | (at_low & predicted > log(low) + 1e-6))
    }
    checks <- rbind(checks, data.frame(
      replicate = r, margin_error = margin_error,
      out_of_bounds = sum(g < low * (1 - 1e-9) | g > high * (1 + 1e-9)),
      residual = max(abs(residuals(fit))),
      wrongly_held = wrongly_held,
      held = sum(at_high | at_low)))
  }
  write.csv(checks, file.path(dir, "r-checks.csv"), row.names = FALSE)
  repweights <- sapply(reps[reps > 0], function(r) ours$weight[ours$replicate == r])
  cal <- svrepdesign(data = rows, repweights = repweights, weights = ours$weight[ours$replicate == 0],
                     type = "JK1", scale = (G - 1) / G, rscales = 1, mse = TRUE, combined.weights = TRUE)
}

# Weights: the calibrated weight, then each replicate under the group it leaves out.
w <- weights(cal, "sampling")
rw <- as.matrix(weights(cal, "analysis"))
left_out <- apply(rw, 2, function(col) unique(rows$grp[col == 0]))
out <- data.frame(response_id = rep(rows$response_id, ncol(rw) + 1),
                  replicate = rep(c(0, left_out), each = nrow(rows)), weight = c(w, as.vector(rw)))
write.csv(out, file.path(dir, "r-weights.csv"), row.names = FALSE)

estimates <- list()
add <- function(query, key, name, stat) {
  est <- as.numeric(coef(stat))
  se <- as.numeric(SE(stat))
  # The normal 95% interval, as confint() gives it for svystat results.
  z <- qnorm(0.975)
  estimates[[length(estimates) + 1]] <<- data.frame(query = query, key = key, name = name, estimate = est,
                                                    se = se, lower = est - z * se, upper = est + z * se)
}
by_sector <- svyby(~one + spin, ~sector, cal, svytotal)
for (s in by_sector$sector) {
  add("sector_estimates", s, "organisations", svytotal(~one, subset(cal, sector == s)))
  add("sector_estimates", s, "spinouts", svytotal(~spin, subset(cal, sector == s)))
}
for (r in levels(rows$region)) {
  if (any(rows$region == r & rows$spin == 1)) add("spinout_estimates", r, "spinouts",
                                                   svytotal(~spin, subset(cal, region == r)))
}
# Spin-outs of an unknown parent body shared in proportion: all spin-outs × known(body) / known(any).
bodies <- sort(unique(rows$parent_body[rows$spin == 1 & !is.na(rows$parent_body)]))
for (b in bodies) {
  stat <- withReplicates(cal, function(w, data) {
    known <- data$spin == 1 & !is.na(data$parent_body)
    sum(w * data$spin) * sum(w[known & data$parent_body == b]) / sum(w[known])
  })
  add("spinout_estimates", b, "spinouts", stat)
}
rows_known <- !is.na(rows$turnover) & !is.na(rows$turnover_prev) & rows$turnover_prev > 0
cal$variables$grew <- as.numeric(rows_known & rows$turnover > rows$turnover_prev)
cal$variables$known <- rows_known
for (s in sort(unique(rows$sector[rows_known]))) {
  add("growth_estimates", s, "share_grew", svymean(~grew, subset(cal, known & sector == s)))
}
write.csv(do.call(rbind, estimates), file.path(dir, "r-estimates.csv"), row.names = FALSE)
