// Resolves etcd's own `benchmark` tool (tools/benchmark in the go.etcd.io/etcd/v3 root module), the reference the
// load bench compares against. The root module's newest release on the Go proxy is v3.6.8; the tool speaks the
// v3 gRPC API, so it drives every supported server version.
import { runCommand } from '../util/exec.js';
import { type ResolvedGoTool, type ResolveGoToolOptions, resolveGoTool } from './resolve-go-tool.js';

export const BENCHMARK_TOOL_VERSION = '3.6.8';

export function resolveBenchmarkTool(options: ResolveGoToolOptions = {}): Promise<ResolvedGoTool> {
  return resolveGoTool(
    {
      tool: 'etcd-benchmark',
      binary: 'benchmark',
      version: BENCHMARK_TOOL_VERSION,
      module: 'go.etcd.io/etcd/v3',
      moduleVersion: `v${BENCHMARK_TOOL_VERSION}`,
      pkg: 'go.etcd.io/etcd/v3/tools/benchmark',
      ldflags: [`-X go.etcd.io/etcd/api/v3/version.GitSHA=etcd-chaos-build-${BENCHMARK_TOOL_VERSION}`],
      pathEnv: 'ETCD_CHAOS_BENCHMARK_BIN',
      // The tool has no version command; the cache manifest pins the version. A binary that prints help works.
      versionOf: async (path) => {
        const result = await runCommand(path, ['--help'], { timeoutMs: 15_000 });
        if (!/benchmark tool for etcd3/.test(result.stdout))
          throw new Error(`${path} is not etcd's benchmark tool`);
        return BENCHMARK_TOOL_VERSION;
      },
      acceptsExplicit: () => true,
    },
    options,
  );
}
