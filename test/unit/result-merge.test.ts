// Sharding and merging without clusters: the matrix's units dealt into shards (every unit exactly once, the same
// split every time), and `report merge` of the shards' results giving the verdicts, stability and exit code an
// unsharded run of the same outcomes gives; results that cannot belong to one run are refused.
import { describe, expect, it } from 'vitest';
import { ClaimCatalogue } from '../../harness/claims/catalogue.js';
import { InputError } from '../../harness/errors.js';
import { toFinding } from '../../harness/findings/finding.js';
import { buildRunResult, type RunMetadata } from '../../harness/result/build-result.js';
import type { RunResult, Verdict } from '../../harness/result/format.js';
import { mergeResults } from '../../harness/result/merge.js';
import {
  matrixUnits,
  parseShard,
  planMatrixRuns,
  type ShardSpec,
  shardUnits,
  targetOf,
} from '../../harness/scenario/matrix.js';
import { combineOutcomes, type PlannedRun, type ScenarioOutcome } from '../../harness/scenario/runner.js';
import type { RunTarget, ScenarioDefinition } from '../../harness/scenario/types.js';
import { capabilitiesOf } from '../../harness/versions/capabilities.js';
import { resolveVersion } from '../../harness/versions/version.js';

const catalogue = ClaimCatalogue.builtIn();

function target(version: string, backend: 'process' | 'docker'): RunTarget {
  const resolved = resolveVersion(version);
  return {
    version: resolved,
    capabilities: capabilitiesOf(resolved),
    flags: {},
    tls: false,
    network: 'auto',
    backend,
    images: {},
  };
}

function scenario(id: string, claims: string[]): ScenarioDefinition {
  return { id, title: id, claims, params: {}, run: async () => undefined };
}

const SCENARIOS = [
  scenario('quorum', ['quorum.one-loss', 'quorum.two-loss']),
  scenario('defrag', ['defrag.shrinks']),
  scenario('metrics-exposed', ['metrics.exposed']),
  scenario('compaction', ['compaction.periodic']),
];
const TARGETS = [target('3.5', 'process'), target('3.6', 'process'), target('3.6', 'docker')];

/** A verdict that depends on the scenario, cell and repetition: some checks fail on one cell, one flips. */
function verdictOf(run: PlannedRun, claim: string): Verdict {
  const cell = targetOf(run.target!);
  if (claim === 'metrics.exposed') return 'fail';
  if (claim === 'defrag.shrinks' && cell.version.startsWith('3.5')) return 'fail';
  if (claim === 'compaction.periodic' && cell.backend === 'docker' && run.repetition === 2)
    return 'inconclusive';
  return 'pass';
}

function outcomeOf(run: PlannedRun): ScenarioOutcome {
  const cell = targetOf(run.target!);
  return {
    result: {
      id: run.definition.id,
      title: run.definition.title,
      claims: run.definition.claims,
      repetition: run.repetition,
      target: cell,
      intensity: 'quick',
      params: {},
      status: 'completed',
      startedAt: '2026-12-04T10:00:00.000Z',
      durationMs: 1_000,
      series: [],
      tables: [],
      leaderEvents: [],
    },
    findings: run.definition.claims.map((claim) =>
      toFinding(
        {
          claim,
          check: `${claim} check`,
          verdict: verdictOf(run, claim),
          reason: 'synthetic',
          expected: 'e',
          observed: 'o',
        },
        {
          scenario: run.definition.id,
          etcdVersion: cell.version,
          target: cell,
          evidence: [],
          repetition: run.repetition,
          about: catalogue.get(claim),
        },
      ),
    ),
    faultWindows: [],
  };
}

function runOf(repeat: number, shard?: ShardSpec, runId = 'run'): RunResult {
  const plan = planMatrixRuns(shardUnits(matrixUnits(SCENARIOS, TARGETS), shard), repeat);
  const metadata: RunMetadata = {
    runId: shard ? `${runId}-${shard.index}` : runId,
    startedAt: new Date('2026-12-04T10:00:00Z'),
    endedAt: new Date('2026-12-04T10:05:00Z'),
    suite: 'custom',
    intensity: 'quick',
    repeat,
    strict: false,
    accepted: [],
    target: TARGETS[0]!,
    targets: TARGETS,
    ...(shard ? { shard } : {}),
    requestedVersion: '3.5,3.6',
    presets: [],
    network: 'netns',
    catalogue,
    complete: true,
  };
  return buildRunResult(combineOutcomes(plan.map(outcomeOf)), metadata);
}

/** Every finding's verdict by (scenario, cell, repetition, claim, check): what "the same verdicts" means. */
function verdicts(result: RunResult): Record<string, Verdict> {
  return Object.fromEntries(
    result.findings.map((finding) => [
      `${finding.scenario} ${finding.target?.version}/${finding.target?.backend} r${finding.repetition} ${finding.claim}: ${finding.check}`,
      finding.verdict,
    ]),
  );
}

describe('--shard I/N', () => {
  it('parses I/N and refuses what is not a shard', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['4/3', '0/3', '1/0', 'a/b', '1', '1/2/3', '-1/2'])
      expect(() => parseShard(bad), bad).toThrow(InputError);
    expect(() => parseShard('4/3')).toThrow(/I from 1 to N, got `4\/3`/);
  });

  it('deals every unit into exactly one shard, the same way every time', () => {
    const units = matrixUnits(SCENARIOS, TARGETS);
    expect(units).toHaveLength(12);
    const key = (unit: (typeof units)[number]) =>
      `${unit.definition.id}@${unit.target.version}/${unit.target.backend}`;
    for (const count of [1, 2, 3, 5, 12, 13]) {
      const shards = Array.from({ length: count }, (_, index) =>
        shardUnits(units, { index: index + 1, count }).map(key),
      );
      expect(shards.flat().sort()).toEqual(units.map(key).sort());
      expect(new Set(shards.flat()).size).toBe(units.length);
      expect(
        Math.max(...shards.map((shard) => shard.length)) - Math.min(...shards.map((shard) => shard.length)),
      ).toBeLessThanOrEqual(1);
      expect(
        Array.from({ length: count }, (_, index) => shardUnits(units, { index: index + 1, count }).map(key)),
      ).toEqual(shards);
    }
    expect(shardUnits(units, { index: 13, count: 13 })).toEqual([]); // more shards than units: an empty shard
  });
});

describe('report merge', () => {
  it('gives the verdicts, stability and exit code of the unsharded run', () => {
    const whole = runOf(2);
    const merged = mergeResults(
      [1, 2, 3].map((index) => ({ source: `shard-${index}`, result: runOf(2, { index, count: 3 }) })),
    );
    expect(verdicts(merged)).toEqual(verdicts(whole));
    expect(Object.keys(verdicts(merged))).toHaveLength(whole.findings.length);
    const rows = (result: RunResult) =>
      result.stability
        .map(
          (row) =>
            `${row.scenario} ${row.target?.version}/${row.target?.backend} ${row.check} ${JSON.stringify(row.verdicts)} ${row.flipped}`,
        )
        .sort();
    expect(rows(merged)).toEqual(rows(whole));
    expect(merged.claims.map((entry) => [entry.id, entry.verdict]).sort()).toEqual(
      whole.claims.map((entry) => [entry.id, entry.verdict]).sort(),
    );
    expect(merged.summary).toEqual(whole.summary);
    expect(merged.summary.exitCode).toBe(1);
    // A check that passes on one release and fails on another is two checks, not a flip.
    expect(whole.stability.filter((row) => row.claim === 'defrag.shrinks' && row.flipped)).toEqual([]);
    expect(whole.stability.filter((row) => row.flipped).map((row) => row.target)).toEqual([
      { version: TARGETS[2]!.version.toString(), backend: 'docker' },
    ]);
    expect(merged.run.matrix?.mergedFrom?.map((entry) => entry.shard)).toEqual(['1/3', '2/3', '3/3']);
  });

  it('merges an empty shard (more shards than units) as nothing', () => {
    const empty = runOf(1, { index: 13, count: 13 });
    expect(empty.findings).toEqual([]);
    expect(empty.summary.exitCode).toBe(0);
    const merged = mergeResults(
      Array.from({ length: 13 }, (_, index) => ({
        source: `s${index + 1}`,
        result: runOf(1, { index: index + 1, count: 13 }),
      })),
    );
    expect(verdicts(merged)).toEqual(verdicts(runOf(1)));
  });

  it('refuses results that cannot be one run', () => {
    const shard = (index: number, count = 3, repeat = 1) => ({
      source: `s${index}`,
      result: runOf(repeat, { index, count }),
    });
    expect(() => mergeResults([])).toThrow(InputError);
    expect(() => mergeResults([shard(1), shard(2)])).toThrow(/Shard 3\/3 missing/);
    expect(() => mergeResults([shard(1), shard(1), shard(2), shard(3)])).toThrow(/Shard 1\/3 appears twice/);
    expect(() => mergeResults([shard(1), shard(2, 3, 2), shard(3)])).toThrow(/--repeat/);
    expect(() => mergeResults([shard(1, 2), shard(2), shard(3)])).toThrow(/shard count/);
    expect(() =>
      mergeResults([
        { source: 'a', result: runOf(1) },
        { source: 'b', result: runOf(1) },
      ]),
    ).toThrow(/overlap/);
    const other = runOf(1, { index: 2, count: 3 });
    const strict = { ...other, run: { ...other.run, strict: true } };
    expect(() => mergeResults([shard(1), { source: 'strict', result: strict }, shard(3)])).toThrow(
      /--strict/,
    );
  });
});
