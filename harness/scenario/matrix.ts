// The matrix a run covers (scenarios × --etcd-version × --backend) and its deterministic split into shards (--shard
// I/N), so that N CI jobs each run one part and `report merge` puts the parts back together. A unit is one scenario
// on one target; all repetitions of a unit stay in the same shard, so stability is judged where it was measured.
import { InputError } from '../errors.js';
import type { Target } from '../result/format.js';
import type { PlannedRun } from './runner.js';
import type { RunTarget, ScenarioDefinition } from './types.js';

export interface ShardSpec {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
}

/** One scenario on one target. */
export interface MatrixUnit {
  readonly definition: ScenarioDefinition;
  readonly target: RunTarget;
}

const MAX_SHARDS = 1_000;

/** `I/N` with 1 ≤ I ≤ N ≤ 1000. */
export function parseShard(value: string): ShardSpec {
  const match = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || !Number.isInteger(index) || !Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
    throw new InputError(`Expected \`--shard\` as I/N with N from 1 to ${MAX_SHARDS}, got \`${value}\`.`, {
      hint: 'E.g. `--shard 2/3` runs the second of three parts of the selection.',
    });
  if (index < 1 || index > count)
    throw new InputError(
      `Expected \`--shard\` I/N with I from 1 to N, got \`${value}\` (shard ${index} of ${count}).`,
    );
  return { index, count };
}

/** The target as the result format names it. */
export function targetOf(target: RunTarget): Target {
  return { version: target.version.toString(), backend: target.backend };
}

export function targetKey(target: Target): string {
  return `${target.version}/${target.backend}`;
}

/** Every unit, targets in the order given, scenarios in suite order within each: the canonical order. */
export function matrixUnits(
  scenarios: readonly ScenarioDefinition[],
  targets: readonly RunTarget[],
): MatrixUnit[] {
  return targets.flatMap((target) => scenarios.map((definition) => ({ definition, target })));
}

/** The units of shard I of N: the canonical order dealt round-robin (balanced, and the same in every job). */
export function shardUnits(units: readonly MatrixUnit[], shard: ShardSpec | undefined): MatrixUnit[] {
  if (!shard) return [...units];
  return units.filter((_, position) => position % shard.count === shard.index - 1);
}

/** The runs of `units`, `repeat` times over (each repetition runs every unit, in order). */
export function planMatrixRuns(units: readonly MatrixUnit[], repeat = 1): PlannedRun[] {
  const plan: PlannedRun[] = [];
  for (let repetition = 1; repetition <= repeat; repetition++)
    for (const unit of units) plan.push({ definition: unit.definition, repetition, target: unit.target });
  return plan;
}
