// `report merge`: the results of the shards of one run (`run --shard I/N` in N CI jobs, or runs on different
// machines over different cells of a matrix) put back into one result, judged as a single run would be: claim
// summaries, stability (per check and matrix cell) and the exit code are recomputed from the merged findings, so
// the merge's verdicts are those of an unsharded run of the same selection. Results that cannot belong to one run
// (another suite, repeat, strictness or matrix; a shard twice; the same scenario on the same cell twice) are refused.
import { InputError } from '../errors.js';
import { claimSummaries, runSummary } from './build-result.js';
import type { Finding, RunResult, Target } from './format.js';
import { stabilityOf } from './run-result.js';

export interface MergeInput {
  /** Where the result came from (for messages): its report dir. */
  readonly source: string;
  readonly result: RunResult;
}

const targetKey = (target: Target | undefined) => (target ? `${target.version}/${target.backend}` : '');

function describeShard(result: RunResult): string | undefined {
  const shard = result.run.matrix?.shard;
  return shard ? `${shard.index}/${shard.count}` : undefined;
}

/** The same value in every input, or an InputError naming the inputs that differ. */
function same<T>(inputs: readonly MergeInput[], what: string, of: (result: RunResult) => T): T {
  const first = inputs[0] as MergeInput;
  const expected = JSON.stringify(of(first.result));
  for (const input of inputs.slice(1)) {
    const actual = JSON.stringify(of(input.result));
    if (actual !== expected)
      throw new InputError(
        `Cannot merge results of different runs: ${what} is ${expected} in ${first.source} but ${actual} in ${input.source}.`,
        {
          hint: 'Merge the shards of one `etcd-chaos run` invocation (the same options, only --shard differing).',
        },
      );
  }
  return of(first.result);
}

export function mergeResults(inputs: readonly MergeInput[]): RunResult {
  if (inputs.length === 0) throw new InputError('Expected at least one report dir to merge, got none.');
  same(inputs, 'the tool', (result) => result.tool.name);
  same(inputs, 'the result schema version', (result) => result.schemaVersion);
  same(inputs, 'the suite', (result) => [result.run.suite, result.run.intensity]);
  const repeat = same(inputs, '--repeat', (result) => result.run.repeat);
  const strict = same(inputs, '--strict', (result) => result.run.strict);
  const accepted = same(inputs, '--accept', (result) => [...result.run.accepted].sort());
  same(inputs, 'the flags and TLS', (result) => [
    result.target.flags,
    result.target.tls,
    result.target.scale,
  ]);
  const matrixTargets = same(inputs, 'the matrix (--etcd-version × --backend)', (result) =>
    (result.run.matrix?.targets ?? [{ version: result.target.etcdVersion, backend: result.run.backend }]).map(
      targetKey,
    ),
  );
  const shards = inputs.map((input) => ({ input, shard: input.result.run.matrix?.shard }));
  const sharded = shards.filter((entry) => entry.shard !== undefined);
  if (sharded.length > 0) {
    if (sharded.length !== inputs.length)
      throw new InputError(
        `Cannot merge shards with unsharded results: ${shards
          .filter((entry) => !entry.shard)
          .map((entry) => entry.input.source)
          .join(', ')} ran the whole selection.`,
      );
    const count = same(inputs, 'the shard count', (result) => result.run.matrix?.shard?.count);
    const seen = new Map<number, string>();
    for (const { input, shard } of sharded) {
      const earlier = seen.get(shard!.index);
      if (earlier)
        throw new InputError(
          `Shard ${shard!.index}/${count} appears twice: in ${earlier} and in ${input.source}.`,
        );
      seen.set(shard!.index, input.source);
    }
    const missing = Array.from({ length: count ?? 0 }, (_, index) => index + 1).filter(
      (index) => !seen.has(index),
    );
    if (missing.length > 0)
      throw new InputError(
        `Shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')} missing: the merge would not be the whole run.`,
        { hint: `Pass the report dirs of all ${count} shards.` },
      );
  }
  // A scenario run (scenario, repetition, cell) must come from one input only.
  const owners = new Map<string, string>();
  for (const { source, result } of inputs)
    for (const scenario of result.scenarios) {
      const key = `${scenario.id} repetition ${scenario.repetition} on ${targetKey(scenario.target) || result.target.etcdVersion}`;
      const earlier = owners.get(key);
      if (earlier) throw new InputError(`${key} is in both ${earlier} and ${source}: the results overlap.`);
      owners.set(key, source);
    }

  const results = inputs.map((input) => input.result);
  const first = results[0] as RunResult;
  const findings: Finding[] = results.flatMap((result) =>
    // Results written before findings named their cell: the run had one target.
    result.findings.map((finding) =>
      finding.target
        ? finding
        : { ...finding, target: { version: result.target.etcdVersion, backend: result.run.backend } },
    ),
  );
  const scenarios = results.flatMap((result) => result.scenarios);
  const about = new Map(
    findings.map((finding) => [finding.claim, { title: finding.title, source: finding.source }]),
  );
  const claims = claimSummaries(findings, (id) => about.get(id) as { title: string; source: string });
  const stability = stabilityOf(findings, repeat);
  const complete = results.every((result) => result.complete);
  const interruption = results.find((result) => result.interruption)?.interruption;
  const startedAt = Math.min(...results.map((result) => Date.parse(result.run.startedAt)));
  const endedAt = Math.max(...results.map((result) => Date.parse(result.run.endedAt)));
  const targets = matrixTargets.map((key) => {
    const [version, backend] = key.split('/') as [string, Target['backend']];
    return { version, backend };
  });
  return {
    schemaVersion: first.schemaVersion,
    tool: first.tool,
    complete,
    ...(interruption ? { interruption } : {}),
    run: {
      ...first.run,
      id: `${first.run.id}-merged`,
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(endedAt).toISOString(),
      durationMs: endedAt - startedAt,
      network: [...new Set(results.flatMap((result) => result.run.network.split(',')))].join(','),
      matrix: {
        targets,
        mergedFrom: results.map((result) => ({
          runId: result.run.id,
          ...(describeShard(result) ? { shard: describeShard(result) } : {}),
        })),
      },
    },
    target: first.target,
    versions: {
      ...Object.assign({}, ...results.map((result) => result.versions)),
      etcd: [...new Set(targets.map((target) => target.version))].join(', '),
    },
    summary: runSummary({
      findings,
      claims,
      stability,
      scenarios,
      strict,
      accepted,
      interruptedBy: interruption?.signal,
      complete,
    }),
    claims,
    findings,
    stability,
    scenarios,
    faultWindows: results.flatMap((result) => result.faultWindows),
  };
}
