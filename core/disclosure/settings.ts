import { type DisclosureSettings, FLOORS } from './model.ts';

/** A setting below a floor, or a request laxer than the deployment: one line, safe to show to the caller. */
export class SettingsError extends Error {
  /** Creates a one-line settings error. */
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

/** Checks a deployment's settings against the hard floors (threshold ≥ 3 organisations, 0 < p ≤ 100). */
export function checkSettings(settings: DisclosureSettings, where = 'disclosure'): DisclosureSettings {
  const { threshold, p } = settings;
  if (!Number.isInteger(threshold) || threshold < FLOORS.threshold || threshold > 1000) {
    throw new SettingsError(
      `${where}: threshold must be a whole number from ${FLOORS.threshold} to 1000, got ${threshold}`,
    );
  }
  if (!Number.isFinite(p) || p <= FLOORS.p || p > 100) {
    throw new SettingsError(`${where}: p must be a number above ${FLOORS.p} and at most 100, got ${p}`);
  }
  return { threshold, p };
}

/**
 * The settings an export runs with: the deployment's, made stricter where the request asks (a higher threshold,
 * a higher p). A request may never relax them: that is how two releases of one table could be differenced.
 */
export function effectiveSettings(
  deployment: DisclosureSettings,
  request: Partial<DisclosureSettings> = {},
): DisclosureSettings {
  const base = checkSettings(deployment, 'disclosure: the deployment');
  if (request.threshold !== undefined && request.threshold < base.threshold) {
    throw new SettingsError(
      `disclosure: threshold ${request.threshold} is laxer than the deployment's ${base.threshold}; a request may only make the rules stricter`,
    );
  }
  if (request.p !== undefined && request.p < base.p) {
    throw new SettingsError(
      `disclosure: p = ${request.p} is laxer than the deployment's p = ${base.p}; a request may only make the rules stricter`,
    );
  }
  return checkSettings({ threshold: request.threshold ?? base.threshold, p: request.p ?? base.p });
}
