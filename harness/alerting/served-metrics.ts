// What each etcd release serves on its metrics listener, as recorded from real clusters
// (alerts/etcd-served-metrics.json, written by scripts/record-served-metrics.mjs): whether a rule or a dashboard
// reads a metric that a release does not serve, or serves only with --metrics=extensive.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from '../errors.js';
import { packageRoot } from '../util/package-info.js';
import type { EtcdVersion } from '../versions/version.js';
import { metricNamesOf } from './promql.js';
import { isAlertingRule, type RuleFile } from './rules.js';

interface ServedMetricsDocument {
  readonly versions: Readonly<Record<string, { readonly default: string[]; readonly extensive: string[] }>>;
}

/** Families served by one release: name → Prometheus type (`counter`, `gauge`, `histogram`, ...). */
export interface ServedFamilies {
  /** The recorded release (the newest recorded patch release of the requested line). */
  readonly release: string;
  readonly byDefault: ReadonlyMap<string, string>;
  /** Served with --metrics=extensive (a superset of the default). */
  readonly extensive: ReadonlyMap<string, string>;
}

let cached: ServedMetricsDocument | undefined;

function document(): ServedMetricsDocument {
  if (!cached) {
    const path = join(packageRoot(), 'alerts', 'etcd-served-metrics.json');
    try {
      cached = JSON.parse(readFileSync(path, 'utf8')) as ServedMetricsDocument;
    } catch (error) {
      throw new HarnessError(`cannot read the recorded metric families (${path})`, { cause: error });
    }
  }
  return cached;
}

function familyMap(lines: readonly string[]): Map<string, string> {
  return new Map(lines.map((line) => line.split(' ') as [string, string]));
}

/** The recorded releases, oldest first. */
export function recordedReleases(): string[] {
  return Object.keys(document().versions).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/** Families recorded for `version` (that exact release, else the recorded release of its line), or undefined. */
export function servedFamilies(version: EtcdVersion | string): ServedFamilies | undefined {
  const text = version.toString();
  const line = text.split('.').slice(0, 2).join('.');
  const release =
    document().versions[text] === undefined
      ? recordedReleases()
          .filter((candidate) => candidate.startsWith(`${line}.`))
          .at(-1)
      : text;
  const entry = release === undefined ? undefined : document().versions[release];
  if (!release || !entry) return undefined;
  return { release, byDefault: familyMap(entry.default), extensive: familyMap(entry.extensive) };
}

/** The family a sample name belongs to: `x_bucket`/`x_sum`/`x_count` of a histogram or summary is `x`. */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.has(base) ? base : name;
}

/** Metrics Prometheus makes itself for every target: never served by etcd, always there. */
export const SYNTHETIC_METRICS = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

export type Availability = 'served' | 'extensive-only' | 'not-served';

export function availabilityOf(name: string, served: ServedFamilies): Availability {
  if (SYNTHETIC_METRICS.has(name)) return 'served';
  if (served.byDefault.has(familyOf(name, served.byDefault))) return 'served';
  if (served.extensive.has(familyOf(name, served.extensive))) return 'extensive-only';
  return 'not-served';
}

/** Header lines for an exported rules file: the alerts that read what `version` does not serve by default. */
export function unservedMetricsNote(rules: RuleFile, version: EtcdVersion): string[] {
  const served = servedFamilies(version);
  if (!served)
    return [`etcd ${version}: no recorded metric families for this release; metric names not checked`];
  const notes: string[] = [];
  for (const group of rules.groups) {
    for (const rule of group.rules.filter(isAlertingRule)) {
      const names = metricNamesOf(rule.expr);
      const extensive = names.filter((name) => availabilityOf(name, served) === 'extensive-only');
      const missing = names.filter((name) => availabilityOf(name, served) === 'not-served');
      if (extensive.length > 0)
        notes.push(
          `${rule.alert}: ${extensive.join(', ')} only with --metrics=extensive on etcd ${served.release}`,
        );
      if (missing.length > 0)
        notes.push(`${rule.alert}: ${missing.join(', ')} not served by etcd ${served.release}`);
    }
  }
  return [
    `etcd ${version}: metric names checked against the families recorded from etcd ${served.release}${notes.length === 0 ? ': every rule reads served metrics' : ':'}`,
    ...notes.map((note) => `  ${note}`),
  ];
}
