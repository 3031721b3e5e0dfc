// The result format (`result.json`), defined once: these TypeBox schemas give both the TypeScript types every
// recorder, check and renderer uses and the published JSON Schema (`npm run schema` writes
// reports/schema/result.v<N>.schema.json from them; a test fails when the committed file differs).
import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Bump on incompatible changes; the schema file name follows it. */
export const RESULT_SCHEMA_VERSION = 2;

/** A string enum rendered as `{ "type": "string", "enum": [...] }` (readable in the published schema). */
function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Makes every property and array of a static type readonly (results are values, never mutated). */
export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

type Format<S extends TSchema> = DeepReadonly<Static<S>>;

const closed = { additionalProperties: false } as const;
const nonEmpty = Type.String({ minLength: 1 });
const dateTime = Type.String({ format: 'date-time' });
const epochMs = Type.Number({ minimum: 0, description: 'epoch milliseconds' });
const exactVersion = Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+$' });
const finiteOrNull = Type.Union([Type.Number(), Type.Null()], {
  description: 'null where a value has no JSON form (NaN, Infinity) or there is no data (an outage)',
});

export const BACKENDS = ['process', 'docker'] as const;
export const TargetSchema = Type.Object(
  { version: exactVersion, backend: StringEnum(BACKENDS) },
  {
    ...closed,
    description: 'where a check ran: the etcd release and the cluster backend (one cell of a matrix)',
  },
);
/** One cell of a run's matrix: an etcd release on a backend. */
export type Target = Format<typeof TargetSchema>;

export const VERDICTS = ['pass', 'fail', 'inconclusive'] as const;
export const VerdictSchema = StringEnum(VERDICTS);
export type Verdict = Static<typeof VerdictSchema>;

export const MEASUREMENT_UNITS = [
  'ms',
  's',
  'bytes',
  'count',
  'per-minute',
  'percent',
  'revision',
  'ratio',
  'puts/s',
] as const;
export const MeasurementSchema = Type.Object(
  {
    name: nonEmpty,
    // A number in memory (NaN when there was nothing to measure); JSON has no NaN, so the file holds null there.
    value: Type.Unsafe<number>({ type: ['number', 'null'] }),
    unit: StringEnum(MEASUREMENT_UNITS),
  },
  closed,
);
export type Measurement = Format<typeof MeasurementSchema>;
export type MeasurementUnit = (typeof MEASUREMENT_UNITS)[number];

export const FlagOverrideSchema = Type.Object(
  {
    flag: nonEmpty,
    yours: Type.String({ description: "the value the run's target set (manifest, --flag, --preset)" }),
    used: Type.String({ description: 'the value the scenario needed and started its cluster with' }),
    scenario: Type.Optional(nonEmpty),
  },
  closed,
);
/** A flag of the user's a scenario replaced with its own (the quota scenario's small quota, the tuning pairs). */
export type FlagOverride = Format<typeof FlagOverrideSchema>;

export const FindingSchema = Type.Object(
  {
    claim: Type.String({ pattern: '^[a-z0-9][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)+$' }),
    scenario: nonEmpty,
    check: Type.String({ minLength: 1, description: 'which check of the claim (stable across repetitions)' }),
    title: nonEmpty,
    source: nonEmpty,
    verdict: VerdictSchema,
    reason: Type.String({ description: 'why this verdict' }),
    expected: Type.String(),
    observed: Type.String(),
    measurements: Type.Array(MeasurementSchema),
    evidence: Type.Array(
      Type.String({ pattern: '^(?!/)(?!.*\\.\\.)', description: 'a path relative to the report dir' }),
    ),
    etcdVersion: exactVersion,
    target: Type.Optional(TargetSchema),
    repetition: Type.Integer({ minimum: 1, description: 'which repetition of the run (1..repeat)' }),
    environmentDependent: Type.Optional(
      Type.Boolean({
        description:
          "the verdict follows this host's own performance on purpose (e.g. its disk's fsync latency): flips across repetitions are reported, not a defect",
      }),
    ),
    notRun: Type.Optional(
      Type.Boolean({ description: 'the check never ran (the run was interrupted or had not reached it)' }),
    ),
    flagOverrides: Type.Optional(
      Type.Array(FlagOverrideSchema, {
        description: "the user's flags this finding was NOT measured with: the scenario replaced them",
      }),
    ),
  },
  closed,
);
export type Finding = Format<typeof FindingSchema>;

export const SeriesSchema = Type.Object(
  {
    name: nonEmpty,
    unit: Type.String(),
    cluster: Type.Optional(
      Type.String({ minLength: 1, description: 'the cluster it was measured on (charts shade its faults)' }),
    ),
    points: Type.Array(Type.Object({ at: epochMs, value: finiteOrNull }, closed)),
    thresholds: Type.Optional(
      Type.Array(Type.Object({ label: Type.String(), value: Type.Number() }, closed)),
    ),
  },
  closed,
);
/** A time series for charts (put latency, db size, ...). */
export type Series = Format<typeof SeriesSchema>;
export type SeriesPoint = Series['points'][number];

export const ResultTableSchema = Type.Object(
  {
    name: nonEmpty,
    columns: Type.Array(Type.String()),
    rows: Type.Array(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Null()]))),
    note: Type.Optional(Type.String()),
    chart: Type.Optional(
      Type.Object(
        { columns: Type.Array(Type.String(), { description: 'numeric columns drawn as grouped bars' }) },
        closed,
      ),
    ),
  },
  closed,
);
/** A table for the report (e.g. the tuning comparison): column headers and rows of cells. */
export type ResultTable = Format<typeof ResultTableSchema>;

export const LeaderEventSchema = Type.Object(
  { at: epochMs, leader: Type.Optional(Type.String()), cluster: nonEmpty },
  closed,
);
/** A leader change as a timeline saw it (no `leader` while none is agreed). */
export type LeaderEvent = Format<typeof LeaderEventSchema>;

export const SCENARIO_STATUSES = ['completed', 'error', 'timeout', 'not-applicable', 'cancelled'] as const;
export type ScenarioStatus = (typeof SCENARIO_STATUSES)[number];
export const INTENSITIES = ['quick', 'full'] as const;
export type Intensity = (typeof INTENSITIES)[number];

export const ScenarioResultSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9-]*$' }),
    title: nonEmpty,
    claims: Type.Array(nonEmpty),
    repetition: Type.Integer({ minimum: 1 }),
    target: Type.Optional(TargetSchema),
    intensity: StringEnum(INTENSITIES),
    params: Type.Record(Type.String(), Type.Unknown()),
    status: StringEnum(SCENARIO_STATUSES),
    message: Type.Optional(Type.String({ description: 'for error/timeout/not-applicable/cancelled: why' })),
    startedAt: dateTime,
    durationMs: Type.Number({ minimum: 0 }),
    series: Type.Array(SeriesSchema),
    tables: Type.Array(ResultTableSchema),
    leaderEvents: Type.Array(LeaderEventSchema),
    flagOverrides: Type.Optional(Type.Array(FlagOverrideSchema)),
  },
  closed,
);
export type ScenarioResult = Format<typeof ScenarioResultSchema>;

export const FAULT_KINDS = ['network', 'disk', 'node', 'quota'] as const;
export const FaultWindowSchema = Type.Object(
  {
    id: Type.Integer(),
    fault: nonEmpty,
    kind: StringEnum(FAULT_KINDS),
    params: Type.Record(Type.String(), Type.Unknown()),
    target: nonEmpty,
    targets: Type.Array(Type.String()),
    startedAt: epochMs,
    injectedAt: epochMs,
    endedAt: Type.Optional(epochMs),
    recoveredAt: Type.Optional(epochMs),
    details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    healError: Type.Optional(Type.String()),
    scenario: nonEmpty,
    repetition: Type.Integer({ minimum: 1 }),
    cell: Type.Optional(
      Type.Object(TargetSchema.properties, {
        ...closed,
        description: 'the matrix cell of the scenario run (`target` is the fault’s own target)',
      }),
    ),
    cluster: nonEmpty,
  },
  closed,
);
/** A fault as it was injected into one cluster of one scenario (what charts shade). */
export type RecordedFaultWindow = Format<typeof FaultWindowSchema>;

export const ClaimSummarySchema = Type.Object(
  {
    id: nonEmpty,
    title: nonEmpty,
    source: nonEmpty,
    verdict: VerdictSchema,
    findings: Type.Integer({ minimum: 0 }),
    notRun: Type.Optional(Type.Boolean({ description: 'no check of this claim ran' })),
  },
  closed,
);
export type ClaimSummary = Format<typeof ClaimSummarySchema>;

const verdictCounts = Type.Object(
  {
    pass: Type.Integer({ minimum: 0 }),
    fail: Type.Integer({ minimum: 0 }),
    inconclusive: Type.Integer({ minimum: 0 }),
  },
  closed,
);
export type VerdictCounts = Static<typeof verdictCounts>;

export const StabilityRowSchema = Type.Object(
  {
    claim: nonEmpty,
    scenario: nonEmpty,
    check: nonEmpty,
    target: Type.Optional(TargetSchema),
    verdicts: verdictCounts,
    flipRate: Type.Number({
      minimum: 0,
      maximum: 1,
      description: 'share of repetitions whose verdict differs from the most common one',
    }),
    flipped: Type.Boolean({ description: 'the repetitions did not all give the same verdict' }),
    environmentDependent: Type.Boolean(),
  },
  closed,
);
/** One check over every repetition of a run: how often each verdict came, and whether it flipped. */
export type StabilityRow = Format<typeof StabilityRowSchema>;

export const FLAG_DISPOSITIONS = ['kept', 'translated', 'mapped', 'refused'] as const;
export const ManifestSectionSchema = Type.Object(
  {
    path: Type.Optional(
      Type.String({ minLength: 1, description: '--manifest (absent: --kubernetes-version alone)' }),
    ),
    kind: Type.Optional(StringEnum(['static-pod', 'config-file', 'flag-list'] as const)),
    image: Type.Optional(Type.String()),
    imageVersion: Type.Optional(exactVersion),
    etcdVersion: exactVersion,
    versionSource: Type.String({
      description: 'where the release came from: image tag, --etcd-version, --kubernetes-version',
    }),
    kubernetes: Type.Optional(
      Type.Object(
        { version: nonEmpty, kubeadm: nonEmpty, etcdImage: nonEmpty },
        { ...closed, description: "--kubernetes-version: kubeadm's etcd pin for that minor" },
      ),
    ),
    warnings: Type.Array(Type.String(), {
      description: 'e.g. the exact release could not be supplied and the newest of its line ran instead',
    }),
    tls: Type.Boolean(),
    tlsReason: Type.String(),
    keyType: StringEnum(['ecdsa-p256', 'rsa-2048'] as const),
    keyTypeReason: Type.String(),
    flags: Type.Array(
      Type.Object(
        {
          name: nonEmpty,
          value: Type.String(),
          origin: Type.String(),
          disposition: StringEnum(FLAG_DISPOSITIONS),
          reason: Type.String(),
          as: Type.Optional(Type.String({ description: 'translated: what the cluster got instead' })),
          etcdMessage: Type.Optional(Type.String()),
        },
        closed,
      ),
    ),
    overriddenByCommandLine: Type.Array(
      Type.Object({ flag: nonEmpty, manifest: Type.String(), used: Type.String() }, closed),
    ),
    dropped: Type.Array(
      Type.Object({ flag: nonEmpty, value: Type.String(), reason: Type.String() }, closed),
      { description: '--drop-unsupported-flags: flags left out of every cluster, and why' },
    ),
    differences: Type.Array(
      Type.Object(
        {
          flag: nonEmpty,
          yours: Type.Union([Type.String(), Type.Null()]),
          etcdDefault: Type.String(),
          guide: Type.Union([Type.String(), Type.Null()]),
        },
        closed,
      ),
      { description: "the guide's tuned settings: the run's value next to etcd's default and the guide's" },
    ),
    afterUpgrade: Type.Optional(
      Type.Object(
        {
          etcdVersion: exactVersion,
          translated: Type.Array(
            Type.Object({ flag: nonEmpty, value: Type.String(), as: Type.String() }, closed),
          ),
          restored: Type.Array(nonEmpty, {
            description:
              'flags dropped on the old release (it did not know them) that members get back on the new one',
          }),
        },
        { ...closed, description: 'a rehearsal: the renames applied when members move to the new release' },
      ),
    ),
  },
  { ...closed, description: '--manifest (a static pod, a config file or a flag list), --kubernetes-version' },
);
/** The user's own setup as the run's target: how each of its flags was used. */
export type ManifestSection = Format<typeof ManifestSectionSchema>;

const SeedSnapshotSchema = Type.Object(
  {
    path: nonEmpty,
    sizeBytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ description: 'of the file before the run (after: in the evidence)' }),
    integrity: Type.String({
      description: "'sha256-trailer', or none for a db file copied out of a data dir",
    }),
    writer: Type.String({ description: 'the release line that wrote it, with how its meta buckets tell' }),
    revision: Type.Optional(Type.Integer({ description: "the file's revision (etcd-chaos's reader)" })),
    totalKeys: Type.Optional(Type.Integer({ description: 'live keys at that revision' })),
  },
  { ...closed, description: '--seed-snapshot: the user snapshot clusters started from' },
);
export type SeedSnapshot = Format<typeof SeedSnapshotSchema>;

export const EXIT_CODES = [0, 1, 2, 130, 143] as const;
export type ExitCode = (typeof EXIT_CODES)[number];
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export const RunResultSchema = Type.Object(
  {
    schemaVersion: Type.Literal(RESULT_SCHEMA_VERSION),
    tool: Type.Object({ name: Type.Literal('etcd-chaos'), version: nonEmpty }, closed),
    complete: Type.Boolean({
      description:
        'false while the run is going on (the file is rewritten after every scenario) or when it never ended normally (a crash, an interruption)',
    }),
    interruption: Type.Optional(
      Type.Object(
        {
          signal: StringEnum(INTERRUPT_SIGNALS),
          at: dateTime,
          exitCode: Type.Union([Type.Literal(130), Type.Literal(143)]),
        },
        closed,
      ),
    ),
    run: Type.Object(
      {
        id: nonEmpty,
        startedAt: dateTime,
        endedAt: dateTime,
        durationMs: Type.Number({ minimum: 0 }),
        suite: StringEnum(['quick', 'full', 'custom'] as const),
        intensity: StringEnum(INTENSITIES),
        repeat: Type.Integer({ minimum: 1, description: 'how many times the selection ran (--repeat)' }),
        strict: Type.Boolean(),
        accepted: Type.Array(nonEmpty, { description: '--accept entries: claim or claim:check' }),
        backend: StringEnum(BACKENDS),
        network: Type.String(),
        matrix: Type.Optional(
          Type.Object(
            {
              targets: Type.Array(TargetSchema, {
                minItems: 1,
                description: 'every cell of the matrix (--etcd-version × --backend), in run order',
              }),
              shard: Type.Optional(
                Type.Object(
                  { index: Type.Integer({ minimum: 1 }), count: Type.Integer({ minimum: 1 }) },
                  { ...closed, description: '--shard I/N: this result holds only shard I of N' },
                ),
              ),
              mergedFrom: Type.Optional(
                Type.Array(Type.Object({ runId: nonEmpty, shard: Type.Optional(Type.String()) }, closed), {
                  description: 'the results `report merge` combined into this one',
                }),
              ),
            },
            closed,
          ),
        ),
        host: Type.Object(
          {
            hostname: Type.String(),
            platform: Type.String(),
            arch: Type.String(),
            cpus: Type.Integer({ minimum: 1 }),
            memoryBytes: Type.Number(),
          },
          closed,
        ),
      },
      closed,
    ),
    target: Type.Object(
      {
        etcdVersion: exactVersion,
        requestedVersion: Type.String(),
        flags: Type.Record(Type.String(), Type.String()),
        presets: Type.Array(Type.String()),
        tls: Type.Boolean(),
        manifest: Type.Optional(ManifestSectionSchema),
        seedSnapshot: Type.Optional(SeedSnapshotSchema),
        scale: Type.Optional(
          Type.Object(
            {
              name: nonEmpty,
              keys: Type.Integer({ minimum: 1 }),
              dbBytes: Type.Integer({ minimum: 1 }),
              seed: Type.Integer({ minimum: 0 }),
            },
            { ...closed, description: '--scale: the keyspace production-size scenarios seed' },
          ),
        ),
      },
      closed,
    ),
    versions: Type.Object(
      { etcd: nonEmpty, toxiproxy: nonEmpty, node: nonEmpty },
      { additionalProperties: Type.String() },
    ),
    summary: Type.Object(
      {
        findings: verdictCounts,
        claims: verdictCounts,
        scenarioErrors: Type.Integer({ minimum: 0 }),
        acceptedFailures: Type.Integer({
          minimum: 0,
          description: 'failed findings matching an --accept entry (still reported as fail)',
        }),
        notRun: Type.Integer({ minimum: 0, description: 'selected checks that never ran' }),
        flippedChecks: Type.Integer({
          minimum: 0,
          description:
            'checks whose verdict changed across repetitions (environment-dependent ones included)',
        }),
        exitCode: Type.Unsafe<ExitCode>({ type: 'integer', enum: [...EXIT_CODES] }),
      },
      closed,
    ),
    claims: Type.Array(ClaimSummarySchema),
    findings: Type.Array(FindingSchema),
    stability: Type.Array(StabilityRowSchema),
    scenarios: Type.Array(ScenarioResultSchema),
    faultWindows: Type.Array(FaultWindowSchema),
  },
  {
    ...closed,
    $id: `https://etcd-chaos.dev/schema/result.v${RESULT_SCHEMA_VERSION}.schema.json`,
    title: 'etcd-chaos run result',
    description:
      'What one `etcd-chaos run` (or rehearsal) checked and found: every finding with its claim, source, expected and observed values, verdict and evidence; generated from harness/result/format.ts.',
  },
);
export type RunResult = Format<typeof RunResultSchema>;

/** The published JSON Schema document (what `npm run schema` writes). */
export function resultJsonSchema(): object {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    ...JSON.parse(JSON.stringify(RunResultSchema)),
  };
}
