// Resolves the Toxiproxy server: explicit path (ETCD_CHAOS_TOXIPROXY_BIN), cache, PATH, or a Go build of v2.
import { TOXIPROXY_VERSION } from '../versions/catalog.js';
import { type ResolveGoToolOptions, resolveGoTool } from './resolve-go-tool.js';
import type { ToxiproxyBinary } from './types.js';
import { toxiproxyVersionOf } from './verify.js';

export type ResolveToxiproxyOptions = ResolveGoToolOptions;

export function resolveToxiproxy(options: ResolveToxiproxyOptions = {}): Promise<ToxiproxyBinary> {
  return resolveGoTool(
    {
      tool: 'toxiproxy',
      binary: 'toxiproxy-server',
      version: TOXIPROXY_VERSION,
      module: 'github.com/Shopify/toxiproxy/v2',
      moduleVersion: `v${TOXIPROXY_VERSION}`,
      pkg: 'github.com/Shopify/toxiproxy/v2/cmd/server',
      ldflags: [`-X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION}`],
      pathEnv: 'ETCD_CHAOS_TOXIPROXY_BIN',
      versionOf: toxiproxyVersionOf,
      acceptsExplicit: (reported) => reported.startsWith('2.'),
    },
    options,
  );
}
