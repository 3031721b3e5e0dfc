// What every backend does the same way to provision members: one Toxiproxy request for every member's client and
// peer proxy, each member's dirs (data dir, log), then the backend's own plan for it (addresses, certificate); on any
// failure, what was made here is released before the error goes on.
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import type { RunJournal } from '../runstate/journal.js';
import type { DataDirMount } from './data-dir-mount.js';
import { type MemberDirs, prepareMemberDirs } from './member-dirs.js';
import type { ProxyRequest, ToxiproxyApi } from './toxiproxy-api.js';
import type { ProxyInfo } from './toxiproxy-control.js';

const log = logger('cluster');

/** Where one member's proxies listen and what they dial. */
export interface MemberProxyRoutes {
  readonly client: { readonly listen: string; readonly upstream: string };
  readonly peer: { readonly listen: string; readonly upstream: string };
}

/** One provisioned member as the backend's planner gets it. */
export interface ProvisionedMember {
  readonly name: string;
  /** Position among the members provisioned together (0-based). */
  readonly index: number;
  readonly proxies: { readonly client: ProxyInfo; readonly peer: ProxyInfo };
  readonly dirs: MemberDirs;
}

export interface ProvisionRequest<Plan> {
  readonly names: readonly string[];
  readonly toxiproxy: ToxiproxyApi;
  /** The proxy name of a member's client or peer proxy (unique on the Toxiproxy server). */
  readonly proxyName: (member: string, kind: 'client' | 'peer') => string;
  readonly routes: (member: string, index: number) => MemberProxyRoutes;
  readonly clusterDir: string;
  readonly dataDirSizeLimitBytes: number | undefined;
  readonly journal: RunJournal;
  /** The backend's plan for one member (its URLs, certificate, host ports, ...). */
  readonly plan: (member: ProvisionedMember) => Promise<Plan>;
}

export async function provisionMembers<Plan>(request: ProvisionRequest<Plan>): Promise<Plan[]> {
  const { names, toxiproxy, proxyName } = request;
  const proxyRequests: ProxyRequest[] = names.flatMap((name, index) => {
    const routes = request.routes(name, index);
    return [
      { name: proxyName(name, 'client'), ...routes.client },
      { name: proxyName(name, 'peer'), ...routes.peer },
    ];
  });
  const mounts: DataDirMount[] = [];
  try {
    const byName = new Map(
      (await toxiproxy.createProxies(proxyRequests)).map((proxy) => [proxy.name, proxy]),
    );
    const plans: Plan[] = [];
    for (const [index, name] of names.entries()) {
      const dirs = await prepareMemberDirs(
        request.clusterDir,
        name,
        request.dataDirSizeLimitBytes,
        request.journal,
      );
      if (dirs.mount) mounts.push(dirs.mount);
      const proxies = {
        client: byName.get(proxyName(name, 'client'))!,
        peer: byName.get(proxyName(name, 'peer'))!,
      };
      plans.push(await request.plan({ name, index, proxies, dirs }));
    }
    return plans;
  } catch (error) {
    // The provisioning error is what the caller needs; what could not be released here is logged (proxies go with
    // the run's Toxiproxy, mounts are journaled for the reaper).
    // A populate that failed half-way may have created some proxies: remove them all (absent ones are fine).
    const release = [
      toxiproxy.removeProxies(proxyRequests.map((proxy) => proxy.name)),
      ...mounts.map((mount) => mount.unmount()),
    ];
    for (const result of await Promise.allSettled(release))
      if (result.status === 'rejected')
        log('releasing a failed provisioning: %s', describeError(result.reason));
    throw error;
  }
}
