// A client with the wrong CA, a foreign client certificate, or none, against an mTLS cluster: each must be refused,
// and `etcdctl endpoint health` (the guide's check for "certificate mismatch") must say why. Each case targets its own
// member, so the "rejected connection" lines in that member's log belong to it; the right credentials are the control.
import { join } from 'node:path';
import {
  type ClusterMember,
  checkTlsCaseRefused,
  defineScenario,
  type EtcdctlRun,
  generateForeignClient,
  InputError,
  runTool,
  type ScenarioContext,
  type StartedCluster,
  type TlsCase,
} from '../harness/index.js';

interface Credentials {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
}

export default defineScenario({
  id: 'tls-mismatch',
  title: 'A client with the wrong CA or certificate',
  claims: ['tls.mismatch'],
  params: {
    healthRuns: {
      type: 'number',
      default: 6,
      unit: 'count',
      min: 1,
      max: 50,
      description: '`etcdctl endpoint health` runs per case (what it reports varies from run to run)',
    },
    commandTimeoutMs: {
      type: 'number',
      default: 2_000,
      unit: 'ms',
      min: 500,
      description: "etcdctl's --dial-timeout and --command-timeout",
    },
  },
  // A verdict needs every run to name the cause: 8 runs make a lucky pass unlikely when etcdctl names it only sometimes.
  intensities: { quick: { healthRuns: 8 }, full: { healthRuns: 16 } },
  async run(ctx) {
    // mTLS whatever the run's TLS setting: the claim is about TLS clusters.
    const cluster = await ctx.startCluster(ctx.clusterSpec().withTls());
    const right = cluster.clientTls();
    if (!right?.certFile || !right.keyFile) throw new InputError('the TLS cluster has no client certificate');
    await cluster.client().put('/tls-probe').value('secret');
    const foreign = await generateForeignClient(join(cluster.dir, 'foreign'));
    const cases: { name: TlsCase; credentials: Credentials; member: ClusterMember }[] = [
      {
        name: 'wrong CA',
        credentials: { caFile: foreign.caFile, certFile: right.certFile, keyFile: right.keyFile },
        member: cluster.members[0]!,
      },
      {
        name: 'foreign client certificate',
        credentials: { caFile: right.caFile, certFile: foreign.client.cert, keyFile: foreign.client.key },
        member: cluster.members[1]!,
      },
      { name: 'no client certificate', credentials: { caFile: right.caFile }, member: cluster.members[2]! },
    ];

    ctx.step(
      `control, then ${cases.length} cases × (get + ${ctx.params.healthRuns} endpoint health), in parallel`,
    );
    const results = await Promise.all(
      cases.map(async (entry) => {
        const [controlData, controlHealth] = await Promise.all([
          etcdctl(
            ctx,
            cluster,
            entry.member,
            right,
            ['get', '/tls-probe'],
            `control get (${entry.member.name})`,
          ),
          etcdctl(
            ctx,
            cluster,
            entry.member,
            right,
            ['endpoint', 'health'],
            `control health (${entry.member.name})`,
          ),
        ]);
        const [data, ...health] = await Promise.all([
          etcdctl(ctx, cluster, entry.member, entry.credentials, ['get', '/tls-probe'], `${entry.name}: get`),
          ...Array.from({ length: ctx.params.healthRuns }, (_, index) =>
            etcdctl(
              ctx,
              cluster,
              entry.member,
              entry.credentials,
              ['endpoint', 'health'],
              `${entry.name}: endpoint health #${index + 1}`,
            ),
          ),
        ]);
        return { entry, control: { data: controlData, health: controlHealth }, data: data!, health };
      }),
    );
    for (const result of results) {
      const serverLog = rejections(await result.entry.member.tailLog(2_000));
      const record = {
        case: result.entry.name,
        control: result.control,
        data: result.data,
        health: result.health,
        serverLog,
      };
      await ctx.evidence.json(`case-${result.entry.name.replaceAll(' ', '-')}.json`, record);
      ctx.report(checkTlsCaseRefused(record));
    }
  },
});

/** etcdctl against one member's client endpoint with the given credentials (not the cluster's), recorded. */
async function etcdctl(
  ctx: ScenarioContext<{ commandTimeoutMs: number }>,
  cluster: StartedCluster,
  member: ClusterMember,
  credentials: Credentials,
  args: readonly string[],
  label: string,
): Promise<EtcdctlRun> {
  const timeout = `${ctx.params.commandTimeoutMs}ms`;
  const run = await runTool(
    cluster.binaries.etcdctl,
    [
      `--endpoints=${member.urls.client}`,
      `--dial-timeout=${timeout}`,
      `--command-timeout=${timeout}`,
      `--cacert=${credentials.caFile}`,
      ...(credentials.certFile ? [`--cert=${credentials.certFile}`] : []),
      ...(credentials.keyFile ? [`--key=${credentials.keyFile}`] : []),
      ...args,
    ],
    ctx.params.commandTimeoutMs * 5,
  );
  ctx.recordTool(label, run);
  return { exitCode: run.exitCode, output: [run.stdout, run.stderr].filter(Boolean).join('\n') };
}

/** The errors of "rejected connection" lines in a member's log (etcd's TLS listener logs each refused handshake). */
function rejections(log: string): string[] {
  return log
    .split('\n')
    .filter((line) => line.includes('rejected connection'))
    .map(
      (line) =>
        /"error":"([^"]*)"/.exec(line)?.[1] ?? /error "([^"]*)"/.exec(line)?.[1] ?? line.slice(0, 200),
    );
}
