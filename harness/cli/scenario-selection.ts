// Which scenarios a `run` means: all of them, or those named (by scenario id or by a claim id they check). The
// built-in scenarios are handed in by the composition root (harness/cli.ts); user scenarios come from directories.
import { ClaimCatalogue } from '../claims/catalogue.js';
import { InputError } from '../errors.js';
import { loadScenarioDir } from '../scenario/loader.js';
import type { Intensity, ScenarioDefinition } from '../scenario/types.js';

/** Every scenario a command can run, and the catalogue of every claim they may report under. */
export interface ScenarioCatalogue {
  readonly scenarios: readonly ScenarioDefinition[];
  readonly claims: ClaimCatalogue;
}

/** The built-in scenarios plus those in `scenarioDirs`, with their declared claims added to the catalogue. */
export async function availableScenarios(
  builtIn: readonly ScenarioDefinition[],
  scenarioDirs: readonly string[],
): Promise<ScenarioCatalogue> {
  const scenarios: ScenarioDefinition[] = [...builtIn];
  for (const dir of scenarioDirs) {
    for (const scenario of await loadScenarioDir(dir)) {
      if (scenarios.some((existing) => existing.id === scenario.id)) {
        throw new InputError(
          `Scenario id \`${scenario.id}\` from ${dir} is already taken (built-in or another file).`,
        );
      }
      scenarios.push(scenario);
    }
  }
  let claims = ClaimCatalogue.builtIn();
  for (const scenario of scenarios) claims = claims.with(scenario.id, scenario.ownClaims ?? []);
  for (const scenario of scenarios) {
    const unknown = scenario.claims.filter((id) => !claims.has(id));
    if (unknown.length > 0) {
      throw new InputError(
        `Scenario \`${scenario.id}\` lists unknown claim${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `\`${id}\``).join(', ')}.`,
        {
          hint: "Use a built-in claim id (see `etcd-chaos list`) or declare your own in the scenario's `ownClaims` (id, title, source).",
        },
      );
    }
  }
  return { scenarios, claims };
}

/**
 * The scenarios a run means: those named (by id or by a claim they check), or, with no names, every scenario of the
 * suite (scenarios that declare `suites` only in those, e.g. the upgrade rehearsals only in the full suite).
 */
export function selectScenarios(
  available: ScenarioCatalogue,
  selectors: readonly string[],
  suite: Intensity = 'quick',
): ScenarioDefinition[] {
  const all = available.scenarios;
  if (selectors.length === 0) return all.filter((scenario) => scenario.suites?.includes(suite) ?? true);
  const chosen = new Set<ScenarioDefinition>();
  for (const selector of selectors) {
    const byId = all.find((scenario) => scenario.id === selector);
    if (byId) {
      chosen.add(byId);
      continue;
    }
    if (available.claims.has(selector)) {
      const covering = all.filter((scenario) => scenario.claims.includes(selector));
      if (covering.length === 0) throw new InputError(`No scenario checks claim \`${selector}\`.`);
      for (const scenario of covering) chosen.add(scenario);
      continue;
    }
    throw new InputError(`Unknown scenario or claim \`${selector}\`.`, {
      hint: `Scenarios: ${all.map((scenario) => scenario.id).join(', ')}. Claims: ${available.claims
        .all()
        .map((entry) => entry.id)
        .join(', ')}.`,
    });
  }
  // Keep the suite's order, whatever the order of the selectors.
  return all.filter((scenario) => chosen.has(scenario));
}
