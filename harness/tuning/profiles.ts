// Environment profiles for `etcd-chaos tune`: how a class of machines looks to etcd, as the faults that replay it.
// Network: the peer round-trip time and its jitter (Toxiproxy latency on every peer link, half of it each way). Disk:
// a steady fsync delay on every follower and a repeating cycle of fsync stalls on whichever member leads (the spikes
// that make followers miss heartbeats). These are models with stated numbers, not measurements of a vendor's disk:
// give your own as a file (`--fsync-profile FILE`) when you have measured yours.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describeError, InputError } from '../errors.js';

export interface EnvironmentProfile {
  readonly name: string;
  readonly description: string;
  /** Average peer round-trip time and its jitter (±, uniform). */
  readonly peerRttMs: number;
  readonly peerJitterMs: number;
  readonly fsync: {
    /** Added to every fsync of every follower while the profile runs (the disk's typical latency). */
    readonly baseMs: number;
    /** The stalls replayed on the leader, in this order, one per interval (the distribution's tail). */
    readonly stallsMs: readonly number[];
    readonly stallIntervalMs: number;
  };
}

export const PROFILES: Readonly<Record<string, EnvironmentProfile>> = {
  nvme: {
    name: 'nvme',
    description: 'local NVMe, members in one rack: sub-millisecond fsync, rare stalls of a few hundred ms',
    peerRttMs: 0.5,
    peerJitterMs: 0.2,
    fsync: { baseMs: 0, stallsMs: [150, 300], stallIntervalMs: 6_000 },
  },
  ssd: {
    name: 'ssd',
    description: 'local SATA/SAS SSD, one zone: ~1 ms fsync, garbage-collection stalls up to 1.6 s',
    peerRttMs: 2,
    peerJitterMs: 1,
    fsync: { baseMs: 1, stallsMs: [400, 800, 1_600], stallIntervalMs: 6_000 },
  },
  'network-disk': {
    name: 'network-disk',
    description:
      'cloud block storage (network-attached volume), members across zones: ~5 ms fsync, stalls up to 3.5 s',
    peerRttMs: 5,
    peerJitterMs: 3,
    fsync: { baseMs: 5, stallsMs: [1_000, 2_000, 3_500], stallIntervalMs: 7_000 },
  },
  hdd: {
    name: 'hdd',
    description: 'spinning disks: ~8 ms fsync, seek storms up to 2.5 s',
    peerRttMs: 1,
    peerJitterMs: 0.5,
    fsync: { baseMs: 8, stallsMs: [500, 1_200, 2_500], stallIntervalMs: 7_000 },
  },
};

/** A built-in profile by name, or a YAML/JSON file with the same fields; `--peer-rtt-ms` overrides the RTT. */
export function resolveProfile(nameOrFile: string, peerRttMs?: number): EnvironmentProfile {
  const base = PROFILES[nameOrFile] ?? readProfileFile(nameOrFile);
  if (peerRttMs === undefined) return base;
  if (!Number.isFinite(peerRttMs) || peerRttMs < 0 || peerRttMs > 5_000)
    throw new InputError(
      `Expected \`--peer-rtt-ms\` to be a number of milliseconds from 0 to 5000, got \`${peerRttMs}\`.`,
    );
  // Jitter keeps its share of the RTT.
  const jitter = base.peerRttMs > 0 ? (base.peerJitterMs / base.peerRttMs) * peerRttMs : base.peerJitterMs;
  return { ...base, peerRttMs, peerJitterMs: Math.round(jitter * 10) / 10 };
}

function readProfileFile(path: string): EnvironmentProfile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InputError(
      `Expected \`--fsync-profile\` to be one of ${Object.keys(PROFILES).join(', ')} or a YAML/JSON profile file, got \`${path}\` (${describeError(error)}).`,
      { cause: error },
    );
  }
  const record = (raw ?? {}) as Record<string, unknown>;
  const fsync = (record.fsync ?? {}) as Record<string, unknown>;
  const number = (value: unknown, what: string, min: number, max: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
      throw new InputError(
        `Profile \`${path}\`: expected \`${what}\` to be a number from ${min} to ${max}, got \`${String(value)}\`.`,
      );
    return value;
  };
  const stalls = fsync.stallsMs;
  if (!Array.isArray(stalls) || stalls.length === 0)
    throw new InputError(
      `Profile \`${path}\`: expected \`fsync.stallsMs\` to be a list of stall lengths in ms, got \`${String(stalls)}\`.`,
    );
  return {
    name: typeof record.name === 'string' ? record.name : path,
    description: typeof record.description === 'string' ? record.description : `profile from ${path}`,
    peerRttMs: number(record.peerRttMs, 'peerRttMs', 0, 5_000),
    peerJitterMs: number(record.peerJitterMs ?? 0, 'peerJitterMs', 0, 5_000),
    fsync: {
      baseMs: number(fsync.baseMs ?? 0, 'fsync.baseMs', 0, 1_000),
      stallsMs: stalls.map((stall, index) => number(stall, `fsync.stallsMs[${index}]`, 1, 30_000)),
      stallIntervalMs: number(fsync.stallIntervalMs ?? 6_000, 'fsync.stallIntervalMs', 500, 120_000),
    },
  };
}

/** The profile's worst case a follower must ride out: the longest stall and the slowest round trip. */
export function worstCaseOf(profile: EnvironmentProfile): { longestStallMs: number; maxRttMs: number } {
  return {
    longestStallMs: Math.max(...profile.fsync.stallsMs),
    maxRttMs: profile.peerRttMs + profile.peerJitterMs,
  };
}
