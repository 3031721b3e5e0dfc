// Runs the cluster version's etcdctl the way an operator would: endpoints, TLS flags, `-w json` parsed.
import { HarnessError } from '../errors.js';
import { runCommand } from '../util/exec.js';
import type { ClientTls } from './clients.js';
import type { EtcdctlOptions, EtcdctlResult } from './types.js';

export interface EtcdctlTarget {
  readonly etcdctl: string;
  readonly endpoints: readonly string[];
  readonly tls: ClientTls | undefined;
}

/** The TLS arguments etcdctl needs for `tls` (empty without TLS). */
export function etcdctlTlsArgs(tls: ClientTls | undefined): string[] {
  if (!tls) return [];
  const args = [`--cacert=${tls.caFile}`];
  if (tls.certFile) args.push(`--cert=${tls.certFile}`);
  if (tls.keyFile) args.push(`--key=${tls.keyFile}`);
  return args;
}

export async function runEtcdctl<T>(
  target: EtcdctlTarget,
  args: readonly string[],
  options: EtcdctlOptions = {},
): Promise<EtcdctlResult<T>> {
  const fullArgs = [
    `--endpoints=${target.endpoints.join(',')}`,
    ...etcdctlTlsArgs(target.tls),
    ...args,
    ...(options.json ? ['-w', 'json'] : []),
  ];
  const result = await runCommand(target.etcdctl, fullArgs, {
    env: options.env,
    timeoutMs: options.timeoutMs ?? 60_000,
    allowFailure: options.allowFailure,
  });
  let json: T | undefined;
  if (options.json && result.exitCode === 0) {
    try {
      json = JSON.parse(result.stdout) as T;
    } catch (error) {
      throw new HarnessError(`\`${result.command}\` did not print JSON`, {
        cause: error,
        context: { stdout: result.stdout.slice(0, 500) },
      });
    }
  }
  return { ...result, json };
}
