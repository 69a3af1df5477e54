import type { IConstruct } from 'constructs';
import { DEFAULT_SETTINGS, type DisclosureSettings } from '../core/disclosure/model.ts';
import { checkSettings } from '../core/disclosure/settings.ts';

/**
 * The deployment's disclosure settings from the context (`-c disclosureThreshold=7 -c disclosureP=12`, default 5
 * and 10), checked against the floors (threshold ≥ 3, 0 < p ≤ 100): one line naming the keys otherwise.
 */
export function disclosureContext(scope: IConstruct): DisclosureSettings {
  const context = (key: string, fallback: number) => Number(scope.node.tryGetContext(key) ?? fallback);
  return checkSettings(
    {
      threshold: context('disclosureThreshold', DEFAULT_SETTINGS.threshold),
      p: context('disclosureP', DEFAULT_SETTINGS.p),
    },
    'infra: context disclosureThreshold / disclosureP',
  );
}
