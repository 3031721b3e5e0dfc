// Scale profiles: how much Kubernetes-shaped data a production-size scenario seeds before it measures (`run --scale
// small|production|1GiB|4GiB|FILE`). `production` is the guide's "totalKey in the thousands and totalSize between
// 100 MiB and 500 MiB" ("Manual Backup"); 1GiB and 4GiB name their size; a FILE (JSON or YAML) gives any size.
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { describeError, InputError } from '../errors.js';

/** One Kubernetes resource kind in the mix: its share of the objects, value sizes and how often it is updated. */
export interface ResourceMix {
  /** The resource as it appears in the key (`pods`, `events`, `cert-manager.io/certificates`). */
  readonly resource: string;
  /** Cluster-scoped resources have no namespace segment. */
  readonly namespaced: boolean;
  /** Relative weight in the object count. */
  readonly share: number;
  /** Value sizes, bytes: drawn log-uniformly between min and max (many small, a long tail of large). */
  readonly minValueBytes: number;
  readonly maxValueBytes: number;
  /** Chance that an object is rewritten in an update round (status changes, lease renewals, heartbeats). */
  readonly updateChance: number;
}

export interface ScaleProfile {
  readonly name: string;
  /** Live objects (keys) in the keyspace. */
  readonly keys: number;
  /**
   * About the database size to reach (what `endpoint status` calls DB SIZE): after every object is created, update
   * rounds add revision history (each update stores a full copy of the value) until this many bytes were written.
   */
  readonly dbBytes: number;
  readonly namespaces: number;
  /** Seed of every choice (names, sizes, bytes, updates): the same profile and seed give the same data. */
  readonly seed: number;
  readonly mix: readonly ResourceMix[];
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/**
 * A production cluster's mix, by object count: events small and many, pods several KiB (managedFields and status),
 * ConfigMaps and Secrets up to hundreds of KiB (Helm keeps whole releases in Secrets), CRD definitions with large
 * schemas, leases and nodes rewritten constantly (renewals every 10 s, node status heartbeats).
 */
export const KUBERNETES_MIX: readonly ResourceMix[] = [
  {
    resource: 'events',
    namespaced: true,
    share: 40,
    minValueBytes: 400,
    maxValueBytes: 2 * KiB,
    updateChance: 0.1,
  },
  {
    resource: 'pods',
    namespaced: true,
    share: 15,
    minValueBytes: 3 * KiB,
    maxValueBytes: 16 * KiB,
    updateChance: 0.5,
  },
  {
    resource: 'configmaps',
    namespaced: true,
    share: 7,
    minValueBytes: 512,
    maxValueBytes: 256 * KiB,
    updateChance: 0.05,
  },
  {
    resource: 'secrets',
    namespaced: true,
    share: 7,
    minValueBytes: 512,
    maxValueBytes: 192 * KiB,
    updateChance: 0.05,
  },
  { resource: 'leases', namespaced: true, share: 3, minValueBytes: 300, maxValueBytes: 600, updateChance: 1 },
  {
    resource: 'endpointslices',
    namespaced: true,
    share: 5,
    minValueBytes: 800,
    maxValueBytes: 8 * KiB,
    updateChance: 0.3,
  },
  {
    resource: 'replicasets',
    namespaced: true,
    share: 6,
    minValueBytes: 2 * KiB,
    maxValueBytes: 8 * KiB,
    updateChance: 0.1,
  },
  {
    resource: 'deployments',
    namespaced: true,
    share: 3,
    minValueBytes: 3 * KiB,
    maxValueBytes: 10 * KiB,
    updateChance: 0.2,
  },
  {
    resource: 'services',
    namespaced: true,
    share: 3,
    minValueBytes: 800,
    maxValueBytes: 3 * KiB,
    updateChance: 0.02,
  },
  {
    resource: 'serviceaccounts',
    namespaced: true,
    share: 3,
    minValueBytes: 400,
    maxValueBytes: 1 * KiB,
    updateChance: 0,
  },
  {
    resource: 'cert-manager.io/certificates',
    namespaced: true,
    share: 5,
    minValueBytes: 2 * KiB,
    maxValueBytes: 64 * KiB,
    updateChance: 0.1,
  },
  {
    resource: 'apiextensions.k8s.io/customresourcedefinitions',
    namespaced: false,
    share: 0.3,
    minValueBytes: 50 * KiB,
    maxValueBytes: 800 * KiB,
    updateChance: 0.02,
  },
  {
    resource: 'minions',
    namespaced: false,
    share: 0.5,
    minValueBytes: 10 * KiB,
    maxValueBytes: 30 * KiB,
    updateChance: 1,
  },
  {
    resource: 'namespaces',
    namespaced: false,
    share: 0.4,
    minValueBytes: 400,
    maxValueBytes: 1 * KiB,
    updateChance: 0,
  },
];

export const SCALE_PROFILES = {
  /** Test-sized: seconds to seed. */
  small: { name: 'small', keys: 2_000, dbBytes: 24 * MiB, namespaces: 20, seed: 1, mix: KUBERNETES_MIX },
  /** The guide's production snapshot: thousands of keys, 100–500 MiB. */
  production: {
    name: 'production',
    keys: 8_000,
    dbBytes: 256 * MiB,
    namespaces: 60,
    seed: 1,
    mix: KUBERNETES_MIX,
  },
  '1GiB': { name: '1GiB', keys: 200_000, dbBytes: 1 * GiB, namespaces: 300, seed: 1, mix: KUBERNETES_MIX },
  '4GiB': {
    name: '4GiB',
    keys: 1_000_000,
    dbBytes: 4 * GiB,
    namespaces: 1_000,
    seed: 1,
    mix: KUBERNETES_MIX,
  },
} as const satisfies Record<string, ScaleProfile>;

export type ScaleProfileName = keyof typeof SCALE_PROFILES;

/** The largest profile a FILE may ask for: 64 GiB, etcd's own hard limit on --quota-backend-bytes is 8 GiB. */
const MAX_DB_BYTES = 64 * GiB;

/** `small`, `production`, `1GiB`, `4GiB`, or a JSON/YAML file with `keys`, `dbBytes` and optional fields. */
export function parseScale(value: string): ScaleProfile {
  if (Object.hasOwn(SCALE_PROFILES, value)) return SCALE_PROFILES[value as ScaleProfileName];
  if (!/[./]/.test(value))
    throw new InputError(
      `Expected \`--scale\` to be ${Object.keys(SCALE_PROFILES).join(', ')} or a JSON/YAML file, got \`${value}\`.`,
    );
  let text: string;
  try {
    if (!statSync(value).isFile()) throw new Error('not a file');
    text = readFileSync(value, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read the \`--scale\` file \`${value}\`: ${describeError(error)}.`, {
      cause: error,
    });
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new InputError(
      `\`--scale\` file \`${value}\` is not valid JSON or YAML: ${describeError(error)}.`,
      {
        cause: error,
      },
    );
  }
  return profileFromDocument(document, value);
}

/** Validates a profile document (a FILE's content), with defaults from `production`. */
export function profileFromDocument(document: unknown, origin: string): ScaleProfile {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new InputError(
      `Expected \`--scale\` file \`${origin}\` to hold an object with \`keys\` and \`dbBytes\`.`,
    );
  const fields = document as Record<string, unknown>;
  const known = new Set(['name', 'keys', 'dbBytes', 'namespaces', 'seed', 'mix']);
  const unknown = Object.keys(fields).filter((key) => !known.has(key));
  if (unknown.length > 0)
    throw new InputError(
      `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((key) => `\`${key}\``).join(', ')} in \`--scale\` file \`${origin}\` (known: ${[...known].join(', ')}).`,
    );
  const base = SCALE_PROFILES.production;
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = fields[name] ?? fallback;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max)
      throw new InputError(
        `Expected \`${name}\` in \`--scale\` file \`${origin}\` to be an integer from ${min} to ${max}, got \`${String(raw)}\`.`,
      );
    return raw;
  };
  const mix = fields.mix === undefined ? base.mix : parseMix(fields.mix, origin);
  return {
    name: typeof fields.name === 'string' && fields.name.length > 0 ? fields.name : origin,
    keys: integer('keys', base.keys, 1, 100_000_000),
    dbBytes: integer('dbBytes', base.dbBytes, MiB, MAX_DB_BYTES),
    namespaces: integer('namespaces', base.namespaces, 1, 100_000),
    seed: integer('seed', base.seed, 0, 2 ** 31 - 1),
    mix,
  };
}

function parseMix(value: unknown, origin: string): ResourceMix[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InputError(
      `Expected \`mix\` in \`--scale\` file \`${origin}\` to be a non-empty list of resources.`,
    );
  return value.map((entry, index) => {
    const fields = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const where = `\`mix[${index}]\` in \`--scale\` file \`${origin}\``;
    if (typeof fields.resource !== 'string' || !/^[a-z0-9.-]+(\/[a-z0-9.-]+)?$/.test(fields.resource))
      throw new InputError(
        `Expected ${where} to have a \`resource\` such as \`pods\`, got \`${String(fields.resource)}\`.`,
      );
    const number = (name: string, min: number, max: number): number => {
      const raw = fields[name];
      if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min || raw > max)
        throw new InputError(
          `Expected \`${name}\` of ${where} to be a number from ${min} to ${max}, got \`${String(raw)}\`.`,
        );
      return raw;
    };
    const minValueBytes = number('minValueBytes', 1, 1.5 * MiB);
    const maxValueBytes = number('maxValueBytes', minValueBytes, 1.5 * MiB);
    return {
      resource: fields.resource,
      namespaced: fields.namespaced !== false,
      share: number('share', Number.MIN_VALUE, 1e9),
      minValueBytes: Math.round(minValueBytes),
      maxValueBytes: Math.round(maxValueBytes),
      updateChance: number('updateChance', 0, 1),
    };
  });
}

/** `8 GiB`, `256 MiB`: sizes as the reports write them. */
export function describeProfile(profile: ScaleProfile): string {
  const size =
    profile.dbBytes >= GiB
      ? `${+(profile.dbBytes / GiB).toFixed(1)} GiB`
      : `${Math.round(profile.dbBytes / MiB)} MiB`;
  return `${profile.name} (${profile.keys.toLocaleString('en-US')} keys, db ≈ ${size})`;
}
