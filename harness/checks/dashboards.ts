// The dashboards claim: every metric a dashboard queries is served by this release's metrics listener. One outcome
// per dashboard when all names are served, and one per missing name with what etcd serves instead.
import { DASHBOARD_REPLACEMENTS, type DashboardFact } from '../claims/dashboards.js';
import { type CheckOutcome, measure } from '../findings/finding.js';

/** Families a scrape (or a recording) served: name → type. */
export type ServedFamilyTypes = ReadonlyMap<string, string>;

function familyOf(name: string, served: ServedFamilyTypes): string {
  if (served.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return served.has(base) ? base : name;
}

export function missingDashboardMetrics(dashboard: DashboardFact, served: ServedFamilyTypes): string[] {
  return dashboard.metrics.filter((name) => !served.has(familyOf(name, served)));
}

export function checkDashboardMetrics(
  dashboard: DashboardFact,
  served: ServedFamilyTypes,
  context: { version: string; scrapedFrom: string },
): CheckOutcome[] {
  const missing = missingDashboardMetrics(dashboard, served);
  const expected = `every one of the ${dashboard.metrics.length} metrics it queries is served (source: ${dashboard.source})`;
  if (missing.length === 0) {
    return [
      {
        claim: 'dashboards.metrics',
        check: dashboard.title,
        verdict: 'pass',
        reason: `etcd ${context.version} serves all ${dashboard.metrics.length} metrics ${dashboard.title} queries (${context.scrapedFrom})`,
        expected,
        observed: `served: ${dashboard.metrics.join(', ')}`,
        measurements: [
          measure('metrics queried', dashboard.metrics.length, 'count'),
          measure('missing', 0, 'count'),
        ],
      },
    ];
  }
  return missing.map((name) => {
    const replacement = DASHBOARD_REPLACEMENTS[name];
    return {
      claim: 'dashboards.metrics',
      check: `${dashboard.title}: ${name}`,
      verdict: 'fail',
      reason: `etcd ${context.version} does not serve ${name}, which ${dashboard.title} queries${replacement ? `; use ${replacement}` : '; etcd serves no replacement known to etcd-chaos'}`,
      expected,
      observed: `${name} absent from ${context.scrapedFrom}; ${dashboard.metrics.length - missing.length} of ${dashboard.metrics.length} names served`,
      measurements: [
        measure('metrics queried', dashboard.metrics.length, 'count'),
        measure('missing', missing.length, 'count'),
      ],
    };
  });
}
