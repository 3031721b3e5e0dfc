// A Kubernetes-like keyspace to rehearse upgrades on: flat keys under `/registry/<resource>/<namespace>/<name>` as
// the API server writes them (operations guide, "etcd Role in Kubernetes"), with sizes drawn per resource type, and
// a digest to prove after the upgrade that every seeded key still holds its value.
import { createHash } from 'node:crypto';
import type { Etcd3 } from 'etcd3';
import { describeError, InputError } from '../errors.js';

/** One resource type of the layout: its share of the keys and the size of its values. */
interface ResourceKind {
  readonly resource: string;
  readonly namespaced: boolean;
  readonly weight: number;
  /** Value size relative to `valueBytes` (a Secret or ConfigMap is larger than a Lease). */
  readonly sizeFactor: number;
}

// Shares roughly as in a small cluster: many events, pods and leases; some configmaps and secrets; few cluster-scoped.
const KINDS: readonly ResourceKind[] = [
  { resource: 'events', namespaced: true, weight: 30, sizeFactor: 1 },
  { resource: 'pods', namespaced: true, weight: 20, sizeFactor: 4 },
  { resource: 'configmaps', namespaced: true, weight: 10, sizeFactor: 3 },
  { resource: 'secrets', namespaced: true, weight: 8, sizeFactor: 2 },
  { resource: 'leases', namespaced: true, weight: 8, sizeFactor: 0.5 },
  { resource: 'services/specs', namespaced: true, weight: 5, sizeFactor: 1.5 },
  { resource: 'deployments', namespaced: true, weight: 5, sizeFactor: 3 },
  { resource: 'replicasets', namespaced: true, weight: 5, sizeFactor: 3 },
  { resource: 'serviceaccounts', namespaced: true, weight: 4, sizeFactor: 1 },
  { resource: 'nodes', namespaced: false, weight: 2, sizeFactor: 6 },
  { resource: 'namespaces', namespaced: false, weight: 1, sizeFactor: 0.5 },
  { resource: 'apiextensions.k8s.io/customresourcedefinitions', namespaced: false, weight: 2, sizeFactor: 8 },
];

const NAMESPACES = ['default', 'kube-system', 'kube-public', 'monitoring', 'payments', 'web'];

export interface KeyspaceOptions {
  /** How many keys (default 500). */
  readonly keys?: number;
  /** Mean value size in bytes before the per-resource factor (default 512). */
  readonly valueBytes?: number;
  /** Puts in flight at once (default 16). */
  readonly concurrency?: number;
  /** Prefix instead of `/registry/` (tests). */
  readonly prefix?: string;
}

export interface SeededKeyspace {
  readonly prefix: string;
  readonly keys: number;
  readonly bytes: number;
  /** SHA-256 over the sorted `key\0value\n` lines: equal digests mean the same keys with the same values. */
  readonly digest: string;
  /** Keys per resource type. */
  readonly byResource: Readonly<Record<string, number>>;
  readonly durationMs: number;
  /**
   * A seed restored from the user's snapshot (`--seed-snapshot`): every key with its value's SHA-256. The digest is
   * then over `key\0sha256(value)` of exactly these keys, and observing reads every key in pages.
   */
  readonly keyDigests?: ReadonlyMap<string, string>;
}

/** Keys and digest of the seeded keyspace, and of what a cluster holds afterwards (undefined: could not be read). */
export interface KeyspaceComparison {
  readonly seeded: { readonly keys: number; readonly digest: string };
  readonly observed: { readonly keys: number; readonly digest: string } | undefined;
  /** Why the keyspace could not be read (when `observed` is undefined). */
  readonly readError?: string;
}

/** What `compareKeyspace` compares: a seed, and a read of the keyspace afterwards (undefined: it could not be read). */
export function compareKeyspace(
  seeded: Pick<SeededKeyspace, 'keys' | 'digest'>,
  observed: Pick<SeededKeyspace, 'keys' | 'digest'> | undefined,
): KeyspaceComparison {
  return {
    seeded: { keys: seeded.keys, digest: seeded.digest },
    observed: observed && { keys: observed.keys, digest: observed.digest },
  };
}

/** Reads what `client` holds under the seed's prefix and compares it; a failed read is kept with its reason. */
export async function observeKeyspace(
  client: Etcd3,
  seeded: Pick<SeededKeyspace, 'keys' | 'digest' | 'prefix' | 'keyDigests'>,
): Promise<KeyspaceComparison> {
  try {
    const seedKeys = seeded.keyDigests;
    if (seedKeys) {
      // Only the snapshot's keys count (the ledger writes its own next to them); a missing key digests as `-`.
      const { digests } = await readKeyDigests(client, { keys: new Set(seedKeys.keys()) });
      return compareKeyspace(seeded, { keys: digests.size, digest: digestOfKeys(digests, seedKeys.keys()) });
    }
    return compareKeyspace(seeded, await readKeyspace(client, seeded.prefix));
  } catch (error) {
    return { ...compareKeyspace(seeded, undefined), readError: describeError(error) };
  }
}

/** The keys and values of a seed, deterministic for the options (so a test can build the same layout). */
export function planKeyspace(options: KeyspaceOptions = {}): Map<string, string> {
  const { keys = 500, valueBytes = 512, prefix = '/registry/' } = options;
  if (!Number.isInteger(keys) || keys < 1 || keys > 1_000_000) {
    throw new InputError(`Expected \`--seed-keys\` to be an integer from 1 to 1000000, got \`${keys}\`.`);
  }
  if (!Number.isInteger(valueBytes) || valueBytes < 16 || valueBytes > 1_048_576) {
    throw new InputError(
      `Expected the seed value size to be an integer from 16 to 1048576 bytes, got \`${valueBytes}\`.`,
    );
  }
  const totalWeight = KINDS.reduce((sum, kind) => sum + kind.weight, 0);
  const entries = new Map<string, string>();
  for (let index = 0; entries.size < keys; index++) {
    // Walk the kinds by weight deterministically: index modulo the total weight picks a kind.
    const kind = kindAt(index % totalWeight);
    const namespace = NAMESPACES[index % NAMESPACES.length]!;
    const name = `${kind.resource.split('/').pop()!.replace(/s$/, '')}-${index.toString(36).padStart(5, '0')}`;
    const key = kind.namespaced
      ? `${prefix}${kind.resource}/${namespace}/${name}`
      : `${prefix}${kind.resource}/${name}`;
    entries.set(key, valueFor(key, Math.max(16, Math.round(valueBytes * kind.sizeFactor))));
  }
  return entries;
}

/** Writes the planned keyspace into the cluster (any member: writes go through raft). */
export async function seedKeyspace(client: Etcd3, options: KeyspaceOptions = {}): Promise<SeededKeyspace> {
  const startedAt = Date.now();
  const plan = planKeyspace(options);
  const queue = [...plan.entries()];
  const concurrency = options.concurrency ?? 16;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let entry = queue.pop(); entry; entry = queue.pop()) await client.put(entry[0]).value(entry[1]);
    }),
  );
  return { ...describeKeyspace(options.prefix ?? '/registry/', plan), durationMs: Date.now() - startedAt };
}

/** Reads every key under `prefix` from `client` (linearizable) and describes what it found. */
export async function readKeyspace(
  client: Etcd3,
  prefix = '/registry/',
): Promise<Omit<SeededKeyspace, 'durationMs'>> {
  const found = await client.getAll().prefix(prefix).strings();
  return describeKeyspace(prefix, new Map(Object.entries(found)));
}

export function describeKeyspace(
  prefix: string,
  entries: ReadonlyMap<string, string>,
): Omit<SeededKeyspace, 'durationMs'> {
  const hash = createHash('sha256');
  let bytes = 0;
  const byResource: Record<string, number> = {};
  for (const key of [...entries.keys()].sort()) {
    const value = entries.get(key) ?? '';
    hash.update(`${key}\0${value}\n`);
    bytes += key.length + value.length;
    const resource = resourceOf(prefix, key);
    byResource[resource] = (byResource[resource] ?? 0) + 1;
  }
  return { prefix, keys: entries.size, bytes, digest: hash.digest('hex'), byResource };
}

/** Every key and the SHA-256 of its value, read in pages (a production snapshot does not fit one response). */
export async function readKeyDigests(
  client: Etcd3,
  options: { readonly pageSize?: number; readonly keys?: ReadonlySet<string> } = {},
): Promise<{ digests: Map<string, string>; bytes: Map<string, number>; revision: number | undefined }> {
  const pageSize = options.pageSize ?? 500;
  const digests = new Map<string, string>();
  const bytes = new Map<string, number>();
  let revision: number | undefined;
  let start = Buffer.from([0]);
  for (;;) {
    const page = await client
      .getAll()
      .inRange({ start, end: Buffer.from([0]) })
      .limit(pageSize)
      .exec();
    revision ??= Number(page.header.revision);
    for (const kv of page.kvs) {
      const key = kv.key.toString('utf8');
      if (options.keys && !options.keys.has(key)) continue;
      digests.set(key, createHash('sha256').update(kv.value).digest('hex'));
      bytes.set(key, kv.key.length + kv.value.length);
    }
    const last = page.kvs.at(-1);
    if (!page.more || !last) break;
    start = Buffer.concat([last.key, Buffer.from([0])]);
  }
  return { digests, bytes, revision };
}

/** The digest over every key (sorted) and its value's SHA-256: equal digests mean every key kept its value. */
export function digestOfKeys(digests: ReadonlyMap<string, string>, keys?: Iterable<string>): string {
  const hash = createHash('sha256');
  for (const key of [...(keys ?? digests.keys())].sort()) hash.update(`${key}\0${digests.get(key) ?? '-'}\n`);
  return hash.digest('hex');
}

/** The kind whose cumulative weight range holds `slot`. */
function kindAt(slot: number): ResourceKind {
  let remaining = slot;
  for (const kind of KINDS) {
    remaining -= kind.weight;
    if (remaining < 0) return kind;
  }
  return KINDS[0] as ResourceKind;
}

function resourceOf(prefix: string, key: string): string {
  const rest = key.slice(prefix.length);
  const kind = KINDS.find((candidate) => rest.startsWith(`${candidate.resource}/`));
  return kind?.resource ?? rest.split('/')[0] ?? rest;
}

/** A JSON-ish value of exactly `size` bytes that names its key (so a value under the wrong key is visible). */
function valueFor(key: string, size: number): string {
  const head = `{"kind":"${key.split('/')[2] ?? 'object'}","key":"${key}","data":"`;
  const filler = createHash('sha256').update(key).digest('hex');
  let body = '';
  while (head.length + body.length + 2 < size) body += filler;
  return `${head}${body.slice(0, Math.max(0, size - head.length - 2))}"}`;
}
