// Resolves go-jsonnet's `jsonnet` (github.com/google/go-jsonnet/cmd/jsonnet), which renders etcd's monitoring mixin
// (contrib/mixin, jsonnet) into Prometheus rules: explicit path, cache, PATH, or a Go build of a pinned release.
import { BinaryError } from '../errors.js';
import { runCommand } from '../util/exec.js';
import { type ResolvedGoTool, type ResolveGoToolOptions, resolveGoTool } from './resolve-go-tool.js';

export const JSONNET_VERSION = '0.21.0';

/** `Jsonnet commandline interpreter (Go implementation) v0.21.0` → `0.21.0`. */
export async function jsonnetVersionOf(path: string): Promise<string> {
  const { stdout, stderr } = await runCommand(path, ['--version'], { timeoutMs: 15_000 });
  const output = `${stdout}\n${stderr}`;
  // The C++ jsonnet prints no "Go implementation": its output formatting differs, so the renders would too.
  const match = /Go implementation\)\s+v(\S+)/.exec(output);
  if (!match?.[1]) throw new BinaryError(`${path} is not go-jsonnet: \`--version\` printed ${output.trim()}`);
  return match[1];
}

export function resolveJsonnet(options: ResolveGoToolOptions = {}): Promise<ResolvedGoTool> {
  return resolveGoTool(
    {
      tool: 'go-jsonnet',
      binary: 'jsonnet',
      version: JSONNET_VERSION,
      module: 'github.com/google/go-jsonnet',
      moduleVersion: `v${JSONNET_VERSION}`,
      pkg: 'github.com/google/go-jsonnet/cmd/jsonnet',
      pathEnv: 'ETCD_CHAOS_JSONNET_BIN',
      versionOf: jsonnetVersionOf,
      // The committed render must be reproducible: only the pinned release is accepted.
      acceptsExplicit: (reported) => reported === JSONNET_VERSION,
    },
    options,
  );
}
