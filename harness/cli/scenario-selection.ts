// Which scenarios a `run` means: all of them, or those named (by scenario id or by a claim id they check).

import { BUILT_IN_SCENARIOS } from '../../scenarios/index.js';
import { allClaims, isClaimId } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import { loadScenarioDir } from '../scenario/loader.js';
import type { Intensity, ScenarioDefinition } from '../scenario/types.js';

export async function availableScenarios(scenarioDirs: readonly string[]): Promise<ScenarioDefinition[]> {
  const all: ScenarioDefinition[] = [...BUILT_IN_SCENARIOS];
  for (const dir of scenarioDirs) {
    for (const scenario of await loadScenarioDir(dir)) {
      if (all.some((existing) => existing.id === scenario.id)) {
        throw new InputError(
          `Scenario id \`${scenario.id}\` from ${dir} is already taken (built-in or another file).`,
        );
      }
      all.push(scenario);
    }
  }
  return all;
}

/**
 * The scenarios a run means: those named (by id or by a claim they check), or, with no names, every scenario of the
 * suite (scenarios that declare `suites` only in those, e.g. the upgrade rehearsals only in the full suite).
 */
export function selectScenarios(
  all: readonly ScenarioDefinition[],
  selectors: readonly string[],
  suite: Intensity = 'quick',
): ScenarioDefinition[] {
  if (selectors.length === 0) return all.filter((scenario) => scenario.suites?.includes(suite) ?? true);
  const chosen = new Set<ScenarioDefinition>();
  for (const selector of selectors) {
    const byId = all.find((scenario) => scenario.id === selector);
    if (byId) {
      chosen.add(byId);
      continue;
    }
    if (isClaimId(selector)) {
      const covering = all.filter((scenario) => scenario.claims.includes(selector));
      if (covering.length === 0) throw new InputError(`No scenario checks claim \`${selector}\`.`);
      for (const scenario of covering) chosen.add(scenario);
      continue;
    }
    throw new InputError(`Unknown scenario or claim \`${selector}\`.`, {
      hint: `Scenarios: ${all.map((scenario) => scenario.id).join(', ')}. Claims: ${allClaims()
        .map((entry) => entry.id)
        .join(', ')}.`,
    });
  }
  // Keep the suite's order, whatever the order of the selectors.
  return all.filter((scenario) => chosen.has(scenario));
}
