// `etcd-chaos setup`: provisions etcd binaries for the requested versions and the Toxiproxy server, with progress;
// `--prometheus` adds Prometheus and promtool, go-jsonnet and etcd's mixin rendered from its source.
import type { Command } from 'commander';
import { provisionMixin } from '../alerting/mixin.js';
import { resolveBenchmarkTool } from '../binaries/resolve-benchmark.js';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveKubeApiServer } from '../binaries/resolve-kube-apiserver.js';
import { resolvePrometheus } from '../binaries/resolve-prometheus.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import type { ProgressListener } from '../binaries/types.js';
import { describeKubernetesVersions, parseKubernetesVersion } from '../versions/kubernetes-release.js';
import type { GlobalOptions } from './global-options.js';
import { collect, requestedVersions, splitList } from './options.js';
import { runWithProgress } from './progress.js';

interface SetupOptions {
  versions?: string[];
  releaseMirror?: string;
  offline?: boolean;
  prometheus?: boolean;
  kubernetes?: string[];
}

export function registerSetup(program: Command, globals: () => GlobalOptions): void {
  program
    .command('setup')
    .description(
      'provision etcd (etcd, etcdctl, etcdutl) for each version and the Toxiproxy server (and with --prometheus, Prometheus), cached under the user cache dir',
    )
    .option(
      '--versions <list>',
      'versions or lines to provision, comma-separated or repeated (default: newest of every supported line)',
      collect,
    )
    .option(
      '--release-mirror <url>',
      'base URL laid out like https://github.com/etcd-io/etcd/releases/download',
    )
    .option('--offline', 'do not try release downloads; build or use Debian packages only')
    .option(
      '--prometheus',
      "also Prometheus and promtool (Debian's package, else a Go build), go-jsonnet, and etcd's mixin rendered (for the alert scenarios and `alerts`)",
    )
    .option(
      '--kubernetes <list>',
      `also build kube-apiserver of these Kubernetes releases from Go modules (minutes each, once per cache; ${describeKubernetesVersions()}). The API server's version, not \`--kubernetes-version\``,
      collect,
    )
    .action(async (options: SetupOptions) => {
      const versions = requestedVersions(options.versions);
      const kubernetes = splitList(options.kubernetes).map((version) => parseKubernetesVersion(version));
      const { signal } = globals();
      await runWithProgress(
        [
          ...versions.map((version) => ({
            title: `etcd ${version}`,
            run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
              const binaries = await resolveEtcd(version, {
                onProgress: report,
                releaseMirror: options.releaseMirror,
                offline: options.offline,
                signal: abort,
              });
              return `${binaries.source} → ${binaries.etcd.replace(/\/etcd$/, '')}`;
            },
          })),
          {
            title: "etcd's benchmark tool (for bench load)",
            run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
              const tool = await resolveBenchmarkTool({ onProgress: report, signal: abort });
              return `${tool.version} (${tool.source}) → ${tool.path}`;
            },
          },
          {
            title: 'toxiproxy-server',
            run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
              const binary = await resolveToxiproxy({ onProgress: report, signal: abort });
              return `${binary.version} (${binary.source}) → ${binary.path}`;
            },
          },
          ...(options.prometheus
            ? [
                {
                  title: 'prometheus + promtool',
                  run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
                    const binaries = await resolvePrometheus({ onProgress: report, signal: abort });
                    return `${binaries.version} (${binaries.source}) → ${binaries.prometheus.replace(/\/prometheus$/, '')}`;
                  },
                },
                {
                  title: "etcd's mixin (rendered with go-jsonnet)",
                  run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
                    const mixin = await provisionMixin({ onProgress: report, signal: abort });
                    return `go-jsonnet v${mixin.jsonnetVersion} → ${mixin.rulesPath}`;
                  },
                },
              ]
            : []),
          ...kubernetes.map((version) => ({
            title: `kube-apiserver ${version}`,
            run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
              const binary = await resolveKubeApiServer(version, { onProgress: report, signal: abort });
              return `${binary.source} → ${binary.path}`;
            },
          })),
        ],
        { signal },
      );
    });
}
