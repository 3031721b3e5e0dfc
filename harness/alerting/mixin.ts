// etcd's own monitoring mixin (etcd-io/etcd contrib/mixin), from its jsonnet source in the Go module
// go.etcd.io/etcd/v3: the alerts rendered into a Prometheus rules file, the dashboard's queries extracted. Nothing
// of it is transcribed by hand; `alerts/etcd-mixin.rules.yml` is this render, committed for users, and a test
// renders it again and compares.
import { existsSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BinaryCache } from '../binaries/cache.js';
import { resolveJsonnet } from '../binaries/resolve-jsonnet.js';
import { requireGo } from '../binaries/sources/go-build.js';
import { type ProgressListener, silentProgress } from '../binaries/types.js';
import { HarnessError } from '../errors.js';
import { runCommand } from '../util/exec.js';

/** The etcd release whose mixin is rendered (the root module's newest tag on the Go proxy, as for the benchmark tool). */
export const MIXIN_ETCD_VERSION = '3.6.8';
export const MIXIN_MODULE = 'go.etcd.io/etcd/v3';
const MIXIN_TOOL = 'etcd-mixin';
/** The name etcd's test.yaml expects the rendered rules under (in `manifests/`). */
export const MIXIN_RULES_FILE = 'etcd-prometheusRules.yaml';

/**
 * The alerts only: `mixin.libsonnet` also imports the dashboards, which import grafonnet (fetched from GitHub by
 * jsonnet-bundler, not part of the Go module). The alerts import nothing beyond `config.libsonnet`, so this renders
 * the same `prometheusAlerts` offline.
 */
export const MIXIN_ALERTS_EXPRESSION =
  '((import "config.libsonnet") + (import "alerts/alerts.libsonnet")).prometheusAlerts';

/** The Grafana 7.x variant of the dashboard is plain jsonnet (no grafonnet): rendered whole. */
const DASHBOARD_7X_EXPRESSION =
  '((import "config.libsonnet") + (import "dashboards/dashboards.libsonnet") + { _config+:: { grafana7x: true } }).grafanaDashboards["etcd.json"]';

/**
 * The default (Grafana 8+) dashboard builds its panels with grafonnet; its queries all come from
 * `dashboards/targets.libsonnet`, which is evaluated here with grafonnet's query builder replaced by a recorder, so
 * the expressions are etcd's own, rendered by their own code.
 */
const GRAFONNET_QUERY_RECORDER = `{
  query: { prometheus: {
    new(datasource, expr): { expr: expr },
    withLegendFormat(format): { legendFormat: format },
  } },
}
`;

/** Where etcd's mixin source is: `go mod download` of the pinned root module (a cache hit after the first run). */
export async function mixinSourceDir(signal?: AbortSignal): Promise<string> {
  const go = await requireGo(`etcd's mixin (${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION})`);
  const { stdout } = await runCommand(
    go.path,
    ['mod', 'download', '-json', `${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION}`],
    {
      // Outside any module, so the download does not touch a go.mod; GOFLAGS from the user could add -mod=vendor.
      cwd: tmpdir(),
      env: { GOFLAGS: '-mod=mod' },
      signal,
      timeoutMs: 300_000,
    },
  );
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new HarnessError(`go mod download gave no directory: ${info.Error ?? stdout.slice(0, 300)}`);
  const dir = join(info.Dir, 'contrib', 'mixin');
  if (!existsSync(join(dir, 'alerts', 'alerts.libsonnet')))
    throw new HarnessError(
      `${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION} has no contrib/mixin/alerts/alerts.libsonnet`,
    );
  return dir;
}

export interface MixinRender {
  /** The rules file (YAML), with a header saying where it comes from. */
  readonly rulesYaml: string;
  /** The rule groups as jsonnet printed them. */
  readonly groups: unknown;
}

/** Renders the mixin's alerts with go-jsonnet into a Prometheus rules file. */
export async function renderMixinAlerts(options: {
  jsonnet: string;
  jsonnetVersion: string;
  mixinDir: string;
}): Promise<MixinRender> {
  const { stdout } = await runCommand(
    options.jsonnet,
    ['-J', options.mixinDir, '-e', MIXIN_ALERTS_EXPRESSION],
    {
      cwd: options.mixinDir,
      timeoutMs: 60_000,
    },
  );
  const rendered = JSON.parse(stdout) as { groups: unknown };
  const header = [
    "# etcd's own alerts (etcd-io/etcd contrib/mixin), rendered by etcd-chaos from the mixin's jsonnet source in the",
    `# Go module ${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION} with go-jsonnet v${options.jsonnetVersion}:`,
    `#   jsonnet -J contrib/mixin -e '${MIXIN_ALERTS_EXPRESSION}'`,
    "# and converted to YAML. Not edited by hand: `etcd-chaos alerts render` writes it again. etcd's own",
    '# contrib/mixin/test.yaml (promtool test rules) passes against it (test/integration/alert-rules.test.ts).',
  ];
  return { rulesYaml: `${header.join('\n')}\n${toYaml(rendered)}`, groups: rendered.groups };
}

/** YAML as a rules file wants it: multi-line expressions as literal blocks, no line folding. */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, blockQuote: 'literal' });
}

export interface DashboardQueries {
  readonly variant: string;
  readonly expressions: readonly string[];
}

/** The PromQL of etcd's own dashboard, both variants, rendered from the mixin's source. */
export async function renderMixinDashboardQueries(options: {
  jsonnet: string;
  mixinDir: string;
}): Promise<DashboardQueries[]> {
  const grafana7x = await runCommand(
    options.jsonnet,
    ['-J', options.mixinDir, '-e', DASHBOARD_7X_EXPRESSION],
    {
      cwd: options.mixinDir,
      timeoutMs: 60_000,
    },
  );
  const scratch = await mkdtemp(join(tmpdir(), 'etcd-chaos-mixin-'));
  try {
    await writeFile(join(scratch, 'g.libsonnet'), GRAFONNET_QUERY_RECORDER);
    await writeFile(
      join(scratch, 'targets.libsonnet'),
      await readFile(join(options.mixinDir, 'dashboards', 'targets.libsonnet'), 'utf8'),
    );
    const targets = await runCommand(
      options.jsonnet,
      [
        '-J',
        options.mixinDir,
        '-e',
        `(import "${join(scratch, 'targets.libsonnet')}")({ datasource: { name: "datasource" } }, (import "config.libsonnet")._config)`,
      ],
      { cwd: scratch, timeoutMs: 60_000 },
    );
    return [
      {
        variant: 'Grafana 7.x (etcd-grafana7x.libsonnet)',
        expressions: exprsOf(JSON.parse(grafana7x.stdout)),
      },
      { variant: 'Grafana 8+ (targets.libsonnet)', expressions: exprsOf(JSON.parse(targets.stdout)) },
    ];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every `expr` string anywhere in a rendered dashboard (panels, rows, targets), in document order. */
export function exprsOf(value: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
    } else if (node && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        if (key === 'expr' && typeof child === 'string') found.push(child);
        else visit(child);
      }
    }
  };
  visit(value);
  return found;
}

export interface ProvisionedMixin {
  /** The cache entry: `etcd-prometheusRules.yaml` (the render), `test.yaml` (etcd's, unchanged), dashboard queries. */
  readonly dir: string;
  readonly rulesPath: string;
  /** etcd's own promtool test file, byte for byte; it reads `manifests/etcd-prometheusRules.yaml`. */
  readonly testPath: string;
  readonly dashboardQueriesPath: string;
  readonly jsonnetVersion: string;
}

/**
 * Renders the mixin once per (etcd release, go-jsonnet release) into the binary cache, with etcd's test file next to
 * it: `etcd-chaos setup --prometheus` and the test setup call this, so later runs need neither Go nor the network.
 */
export async function provisionMixin(
  options: { onProgress?: ProgressListener; signal?: AbortSignal; cache?: BinaryCache } = {},
): Promise<ProvisionedMixin> {
  const onProgress = options.onProgress ?? silentProgress;
  const cache = options.cache ?? new BinaryCache();
  const jsonnet = await resolveJsonnet({ onProgress, signal: options.signal, cache });
  const version = `${MIXIN_ETCD_VERSION}-jsonnet${jsonnet.version}`;
  const dir = cache.entryDir(MIXIN_TOOL, version);
  const result: ProvisionedMixin = {
    dir,
    rulesPath: join(dir, MIXIN_RULES_FILE),
    testPath: join(dir, 'test.yaml'),
    dashboardQueriesPath: join(dir, 'dashboard-queries.json'),
    jsonnetVersion: jsonnet.version,
  };
  if (await cache.readManifest(MIXIN_TOOL, version)) return result;
  return cache.withLock(MIXIN_TOOL, version, async () => {
    if (await cache.readManifest(MIXIN_TOOL, version)) return result;
    await cache.install(
      MIXIN_TOOL,
      version,
      async (stagingDir) => {
        onProgress({ kind: 'step', message: `go mod download ${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION}` });
        const mixinDir = await mixinSourceDir(options.signal);
        onProgress({ kind: 'step', message: `rendering etcd's mixin with go-jsonnet v${jsonnet.version}` });
        const render = await renderMixinAlerts({
          jsonnet: jsonnet.path,
          jsonnetVersion: jsonnet.version,
          mixinDir,
        });
        await writeFile(join(stagingDir, MIXIN_RULES_FILE), render.rulesYaml);
        await copyFile(join(mixinDir, 'test.yaml'), join(stagingDir, 'test.yaml'));
        const queries = await renderMixinDashboardQueries({ jsonnet: jsonnet.path, mixinDir });
        await writeFile(join(stagingDir, 'dashboard-queries.json'), `${JSON.stringify(queries, null, 2)}\n`);
        return {
          source: 'go-build',
          files: [MIXIN_RULES_FILE, 'test.yaml', 'dashboard-queries.json'],
          provenance: `${MIXIN_MODULE}@v${MIXIN_ETCD_VERSION} contrib/mixin, go-jsonnet v${jsonnet.version}`,
        };
      },
      async (stagingDir) => {
        const text = await readFile(join(stagingDir, MIXIN_RULES_FILE), 'utf8');
        if (!text.includes('etcdMembersDown'))
          throw new HarnessError('the mixin render has no etcdMembersDown alert');
      },
    );
    onProgress({ kind: 'step', message: `etcd mixin ${MIXIN_ETCD_VERSION} rendered` });
    return result;
  });
}
