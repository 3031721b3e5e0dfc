// Quota exhaustion: a filler that drives a cluster to its --quota-backend-bytes (the NOSPACE alarm) quickly, with
// values under etcd's request size limit, and the documented recovery (delete, compact, defrag, disarm) as heal.
import { randomBytes } from 'node:crypto';
import type { StartedCluster } from '../cluster/types.js';
import { HarnessError } from '../errors.js';
import { classifyEtcdError, isNoSpaceError } from '../etcd-errors.js';
import { logger } from '../log.js';
import type { NumberSpec } from '../params.js';
import { procedureError } from '../procedures/tool-run.js';
import { once } from './network.js';
import { type Availability, defineFault } from './types.js';

const log = logger('fault');

/** etcd's default --max-request-bytes (1.5 MiB): a put must stay under it. */
export const DEFAULT_MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** etcd's default --quota-backend-bytes (2 GiB). */
export const DEFAULT_QUOTA_BYTES = 2 * 1024 * 1024 * 1024;

export interface QuotaFillOptions {
  /** Size of each value (default: 1 MiB, capped below the request limit). */
  readonly valueBytes?: number;
  readonly concurrency?: number;
  /** Key prefix of the filler's keys (default `/quota-filler/`). */
  readonly prefix?: string;
  /** Safety bound on bytes written (default 3 × quota + 64 MiB). */
  readonly maxBytes?: number;
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface QuotaFillResult {
  readonly prefix: string;
  readonly quotaBytes: number;
  readonly valueBytes: number;
  readonly keysWritten: number;
  readonly bytesWritten: number;
  readonly durationMs: number;
  /** Milliseconds from the start to the first `database space exceeded`; undefined if the quota was never hit. */
  readonly noSpaceAfterMs: number | undefined;
  readonly noSpaceMessage: string | undefined;
  /** Ambiguous failures seen on the way (timeouts): not counted as written. */
  readonly ambiguousFailures: number;
}

export function quotaBytesOf(cluster: StartedCluster): number {
  const flag = cluster.flags['quota-backend-bytes'];
  const value = flag === undefined ? Number.NaN : Number(flag);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_QUOTA_BYTES;
}

function maxRequestBytesOf(cluster: StartedCluster): number {
  const flag = Number(cluster.flags['max-request-bytes']);
  return Number.isFinite(flag) && flag > 0 ? flag : DEFAULT_MAX_REQUEST_BYTES;
}

export async function fillToQuota(
  cluster: StartedCluster,
  options: QuotaFillOptions = {},
): Promise<QuotaFillResult> {
  const quotaBytes = quotaBytesOf(cluster);
  const valueBytes = Math.min(options.valueBytes ?? 1024 * 1024, maxRequestBytesOf(cluster) - 4096);
  const prefix = options.prefix ?? '/quota-filler/';
  const maxBytes = options.maxBytes ?? quotaBytes * 3 + 64 * 1024 * 1024;
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const client = cluster.client({ callTimeoutMs: 10_000 });
  const startedAt = performance.now();
  let keysWritten = 0;
  let bytesWritten = 0;
  let nextKey = 0;
  let ambiguousFailures = 0;
  let noSpace: { afterMs: number; message: string } | undefined;
  const worker = async () => {
    while (!noSpace && bytesWritten < maxBytes && Date.now() < deadline) {
      options.signal?.throwIfAborted();
      const key = `${prefix}${String(nextKey++).padStart(8, '0')}`;
      const value = randomBytes(valueBytes); // random: nothing for bbolt pages to share
      try {
        await client.put(key).value(value);
        keysWritten++;
        bytesWritten += valueBytes;
      } catch (error) {
        if (isNoSpaceError(error)) {
          noSpace ??= { afterMs: performance.now() - startedAt, message: (error as Error).message };
          return;
        }
        const outcome = classifyEtcdError(error);
        if (outcome.kind === 'definite') {
          throw new HarnessError(`quota filler: etcd refused a put: ${outcome.message}`, { cause: error });
        }
        ambiguousFailures++;
        if (ambiguousFailures > 100)
          throw new HarnessError('quota filler: over 100 ambiguous failures', { cause: error });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
  } finally {
    client.close();
  }
  const result: QuotaFillResult = {
    prefix,
    quotaBytes,
    valueBytes,
    keysWritten,
    bytesWritten,
    durationMs: Math.round(performance.now() - startedAt),
    noSpaceAfterMs: noSpace ? Math.round(noSpace.afterMs) : undefined,
    noSpaceMessage: noSpace?.message,
    ambiguousFailures,
  };
  log('quota fill %o', result);
  return result;
}

export interface RecoveryStep {
  readonly step: string;
  readonly command: string;
  readonly exitCode: number;
  readonly output: string;
  readonly durationMs: number;
}

/**
 * The guide's NOSPACE recovery: free space (delete the filler's keys), compact to the current revision, defragment
 * every member, disarm the alarm. Each step runs this version's etcdctl, as an operator would; the commands are
 * returned as evidence.
 */
export async function recoverFromNoSpace(
  cluster: StartedCluster,
  options: { deletePrefix?: string } = {},
): Promise<RecoveryStep[]> {
  const steps: RecoveryStep[] = [];
  const run = async (step: string, args: string[], alreadyDone?: RegExp) => {
    const result = await cluster.etcdctl(args, { allowFailure: true, timeoutMs: 120_000 });
    const output = `${result.stdout}\n${result.stderr}`.trim();
    steps.push({
      step,
      command: result.command,
      exitCode: result.exitCode,
      output,
      durationMs: result.durationMs,
    });
    if (result.exitCode !== 0 && !alreadyDone?.test(output)) {
      throw procedureError(`NOSPACE recovery step "${step}"`, result);
    }
    return result;
  };
  if (options.deletePrefix) await run('delete filler keys', ['del', '--prefix', options.deletePrefix]);
  const status = await cluster.etcdctl<{ Status: { header: { revision: number } } }[]>(
    ['endpoint', 'status'],
    {
      json: true,
    },
  );
  const revision = Math.max(...(status.json ?? []).map((entry) => Number(entry.Status.header.revision)));
  // Already compacted up to there (auto-compaction, or a second recovery) is as good as compacting.
  await run('compact', ['compact', String(revision)], /required revision has been compacted/);
  await run('defrag', ['defrag', '--command-timeout=60s']);
  await run('alarm disarm', ['alarm', 'disarm']);
  return steps;
}

export const quotaExhaustion = defineFault({
  name: 'quota-exhaustion',
  kind: 'quota',
  defaultTarget: 'all',
  description:
    'writes large values until the cluster hits --quota-backend-bytes (NOSPACE alarm); healing runs the documented recovery: delete, compact, defrag, alarm disarm',
  params: {
    valueBytes: {
      type: 'number',
      default: 1024 * 1024,
      unit: 'bytes',
      min: 1024,
      description: 'value size (capped below --max-request-bytes)',
    } as NumberSpec,
    concurrency: {
      type: 'number',
      default: 4,
      unit: 'count',
      min: 1,
      max: 64,
      description: 'parallel writers',
    } as NumberSpec,
  },
  available: async (context): Promise<Availability> => {
    const quota = quotaBytesOf(context.cluster);
    if (quota > 1024 * 1024 * 1024) {
      return {
        available: false,
        reason: `the cluster's quota is ${Math.round(quota / 1048576)} MiB: start it with a small --quota-backend-bytes (e.g. 16777216) to exhaust it in seconds`,
      };
    }
    return { available: true };
  },
  inject: async (context, params) => {
    const fill = await fillToQuota(context.cluster, {
      valueBytes: params.valueBytes,
      concurrency: params.concurrency,
      signal: context.signal,
    });
    return {
      details: { ...fill },
      heal: once(async () => {
        await recoverFromNoSpace(context.cluster, { deletePrefix: fill.prefix });
      }),
    };
  },
});
