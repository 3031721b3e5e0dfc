// The guide's "etcd Encryption at Rest" with a real kube-apiserver: Secrets written with the guide's
// EncryptionConfiguration (aescbc key1, then identity) and their plaintext counted in etcd's raw values and in a
// snapshot file (0 expected); the same count with `identity` first (the negative control: > 0); the guide's key
// rotation step by step; and an API server that lost the key, with its error quoted.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiServerSpec,
  CONFIGMAPS,
  checkEncryptionAtRest,
  checkKeyLoss,
  checkKeyRotation,
  configMapObject,
  countOccurrences,
  defineScenario,
  type EncryptionConfig,
  type EnvelopeCounts,
  failingChecks,
  guideEncryptionConfig,
  identityFirstConfig,
  type KeyLossAttempt,
  KubeApiError,
  type KubeClient,
  kubernetesParam,
  NAMESPACES,
  namespaceObject,
  newEncryptionKey,
  type PlaintextProbe,
  SECRETS,
  type StartedCluster,
  saveSnapshot,
  secretObject,
  storedEnvelopeOf,
  withKube,
} from '../harness/index.js';

const SCENARIO = 'k8s-encryption';
const NAMESPACE = 'kenc';

export default defineScenario({
  id: SCENARIO,
  title: "Encryption at rest with the guide's EncryptionConfiguration, its key rotation, and a lost key",
  claims: ['k8s.encryption-at-rest', 'k8s.key-rotation'],
  params: {
    kubernetes: kubernetesParam(),
    secrets: {
      type: 'number',
      default: 20,
      min: 1,
      description: "Secrets written with the guide's configuration",
    },
    controlSecrets: {
      type: 'number',
      default: 5,
      min: 1,
      description: 'Secrets written with identity first (control)',
    },
    waitAfterRestartMs: {
      type: 'number',
      default: 10_000,
      unit: 'ms',
      min: 0,
      description:
        'how long to "let secrets re-encrypt" after the restart with the new key first, before looking',
    },
    keyLoss: {
      type: 'list',
      default: ['new-key-same-name', 'no-encryption-config'],
      choices: ['new-key-same-name', 'no-encryption-config'],
      description:
        'how the key is lost: a regenerated key under the same name, or no --encryption-provider-config',
    },
    confirmWithOriginalKey: {
      type: 'boolean',
      default: true,
      description: 'after the key-loss attempts, restart with the right key to show the data was intact',
    },
  },
  intensities: {
    quick: {
      secrets: 10,
      controlSecrets: 3,
      waitAfterRestartMs: 5_000,
      keyLoss: ['new-key-same-name'],
      confirmWithOriginalKey: false,
    },
  },
  suites: ['full'],
  timeoutMs: { quick: 6 * 60_000, full: 15 * 60_000 },
  async run(ctx) {
    await withKube(ctx, async (kube) => {
      const { params } = ctx;
      const cluster = await ctx.startCluster(ctx.clusterSpec().withTls().withMembers(1));
      const key1 = newEncryptionKey('key1');
      const spec = ApiServerSpec.forCluster(cluster, params.kubernetes).withEncryption(
        guideEncryptionConfig(key1),
      );
      let api = await kube.start(spec, 'aescbc-key1');
      const restart = async (config: EncryptionConfig | undefined, label: string, waitReady = true) => {
        await kube.stop(api);
        spec.withEncryption(config).withReadiness({ wait: waitReady });
        api = await kube.start(spec, label);
        if (!waitReady) await api.waitLive(120_000, ctx.signal);
        await ctx.evidence.text(`encryption-config-${label}.yaml`, describeConfig(config));
        return api;
      };

      ctx.step(`${params.secrets} Secrets and 5 ConfigMaps with known plaintext, through the API`);
      await api.client.create(NAMESPACES, namespaceObject(NAMESPACE, SCENARIO));
      const plaintext = new Map<string, string>();
      for (let index = 0; index < params.secrets; index++) {
        const value = `etcd-chaos-secret-plaintext-${index}-${nonce()}`;
        await api.client.create(
          SECRETS,
          secretObject(NAMESPACE, `secret-${index}`, { password: value }, SCENARIO),
        );
        plaintext.set(`secret-${index}`, value);
      }
      const configMapValues: string[] = [];
      for (let index = 0; index < 5; index++) {
        const value = `etcd-chaos-configmap-plaintext-${index}-${nonce()}`;
        await api.client.create(
          CONFIGMAPS,
          configMapObject(NAMESPACE, `config-${index}`, { value }, SCENARIO),
        );
        configMapValues.push(value);
      }
      const aescbcNames = [...plaintext.keys()];
      const aescbcSnapshot = join(ctx.workDir, `${SCENARIO}-aescbc.db`);
      const aescbc = await probe(ctx, cluster, aescbcNames, plaintext, aescbcSnapshot);
      const snapshotBytes = await readFile(aescbcSnapshot);
      const configMapPlaintextInSnapshot = configMapValues.reduce(
        (sum, value) => sum + countOccurrences(snapshotBytes, value),
        0,
      );

      ctx.step('negative control: identity first');
      await restart(identityFirstConfig(key1), 'identity-first');
      const controlNames: string[] = [];
      for (let index = 0; index < params.controlSecrets; index++) {
        const value = `etcd-chaos-control-plaintext-${index}-${nonce()}`;
        await api.client.create(
          SECRETS,
          secretObject(NAMESPACE, `control-${index}`, { password: value }, SCENARIO),
        );
        plaintext.set(`control-${index}`, value);
        controlNames.push(`control-${index}`);
      }
      const identity = await probe(
        ctx,
        cluster,
        controlNames,
        plaintext,
        join(ctx.workDir, `${SCENARIO}-identity.db`),
      );
      const atRest = { aescbc, configMapPlaintextInSnapshot, identity };
      await ctx.evidence.json('encryption-at-rest.json', atRest);
      for (const outcome of checkEncryptionAtRest(atRest)) ctx.report(outcome);

      ctx.step(
        'key rotation as the guide says: new key first, restart, let secrets re-encrypt, drop the old key',
      );
      const allNames = [...plaintext.keys()];
      const key2 = newEncryptionKey('key2');
      await restart(guideEncryptionConfig(key2, key1), 'rotation-key2-first');
      await ctx.sleep(params.waitAfterRestartMs);
      const afterRestart = await envelopes(cluster, allNames);
      let rewritten = 0;
      for (const name of allNames) {
        const secret = await api.client.get(SECRETS, name, NAMESPACE);
        await api.client.replace(SECRETS, secret);
        rewritten++;
      }
      const afterRewrite = await envelopes(cluster, allNames);
      await restart(guideEncryptionConfig(key2), 'rotation-key1-dropped');
      const readback = await readAll(api.client, allNames, plaintext);
      const rotation = {
        secrets: allNames.length,
        afterRestart: { storedAs: afterRestart, waitedMs: params.waitAfterRestartMs },
        afterRewrite: { storedAs: afterRewrite, rewritten },
        afterDrop: {
          readable: readback.readable,
          storedAs: await envelopes(cluster, allNames),
          errors: readback.errors,
        },
        oldKey: 'key1',
        newKey: 'key2',
      };
      await ctx.evidence.json('key-rotation.json', rotation);
      for (const outcome of checkKeyRotation(rotation)) ctx.report(outcome);

      ctx.step('the key is lost: what an API server without it answers');
      const attempts: KeyLossAttempt[] = [];
      for (const variant of params.keyLoss) {
        const config =
          variant === 'new-key-same-name' ? guideEncryptionConfig(newEncryptionKey('key2')) : undefined;
        // Measured: without the key it never becomes ready (the Secrets informer cannot list), so wait for /livez.
        await restart(config, `lost-key-${variant}`, false);
        await ctx.sleep(3_000);
        const read = await readAll(api.client, allNames, plaintext);
        const one = await api.client.request('GET', `/api/v1/namespaces/${NAMESPACE}/secrets/${allNames[0]}`);
        const list = await api.client.request('GET', `/api/v1/namespaces/${NAMESPACE}/secrets`);
        const readyz = await api.client.health('/readyz');
        const logLine = (await api.tailLog(200))
          .split('\n')
          .find((line) => /failed to decrypt|unable to transform|identity transformer/i.test(line));
        attempts.push({
          variant,
          secrets: allNames.length,
          readable: read.readable,
          getStatus: one.status,
          listStatus: list.status,
          message: statusMessage(one.text),
          readyz: `${readyz.status}${readyz.status === 200 ? '' : ` (${failingChecks(readyz.text)})`}`,
          logLine: logLine?.replace(/^\S+\s+\S+\s+\d+\s+/, ''),
        });
      }
      let readableWithOriginalKey: number | undefined;
      if (params.confirmWithOriginalKey) {
        await restart(guideEncryptionConfig(key2), 'original-key-back');
        readableWithOriginalKey = (await readAll(api.client, allNames, plaintext)).readable;
      }
      const loss = { attempts, readableWithOriginalKey };
      await ctx.evidence.json('key-loss.json', loss);
      ctx.report(checkKeyLoss(loss), [(await kube.copyLog(api)) ?? '']);
    });
  },
});

/** Raw values of `names` in etcd (envelopes, plaintext occurrences) and in a fresh snapshot. */
async function probe(
  ctx: { recordTool(label: string, run: import('../harness/index.js').ToolRun): string },
  cluster: StartedCluster,
  names: readonly string[],
  plaintext: ReadonlyMap<string, string>,
  snapshotPath: string,
): Promise<PlaintextProbe> {
  const raw = await rawSecrets(cluster, names);
  const storedAs: Record<string, number> = {};
  let plaintextInEtcd = 0;
  for (const name of names) {
    const value = raw.get(name);
    if (!value) continue;
    const envelope = storedEnvelopeOf(value);
    const label = envelope.key ? `${envelope.provider}:${envelope.key}` : envelope.provider;
    storedAs[label] = (storedAs[label] ?? 0) + 1;
    for (const candidate of plaintext.values()) plaintextInEtcd += countOccurrences(value, candidate);
  }
  const saved = await saveSnapshot(cluster, cluster.members[0]!, snapshotPath);
  ctx.recordTool(`snapshot save ${snapshotPath.split('/').pop()}`, saved.run);
  const bytes = await readFile(snapshotPath);
  const plaintextInSnapshot = names.reduce(
    (sum, name) => sum + countOccurrences(bytes, plaintext.get(name) ?? ''),
    0,
  );
  return {
    secrets: names.length,
    storedAs,
    plaintextInEtcd,
    plaintextInSnapshot,
    snapshotBytes: bytes.length,
  };
}

async function rawSecrets(cluster: StartedCluster, names: readonly string[]): Promise<Map<string, Buffer>> {
  const client = cluster.members[0]!.client();
  const values = new Map<string, Buffer>();
  for (const name of names) {
    const value = await client.get(`/registry/secrets/${NAMESPACE}/${name}`).buffer();
    if (value) values.set(name, value);
  }
  return values;
}

async function envelopes(cluster: StartedCluster, names: readonly string[]): Promise<EnvelopeCounts> {
  const counts: Record<string, number> = {};
  for (const value of (await rawSecrets(cluster, names)).values()) {
    const envelope = storedEnvelopeOf(value);
    const label = envelope.key ? `${envelope.provider}:${envelope.key}` : envelope.provider;
    counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** GETs every Secret; readable = answered 200 with the value that was written. */
async function readAll(
  client: KubeClient,
  names: readonly string[],
  plaintext: ReadonlyMap<string, string>,
): Promise<{ readable: number; errors: string[] }> {
  let readable = 0;
  const errors: string[] = [];
  for (const name of names) {
    try {
      const secret = await client.get<{
        apiVersion: string;
        kind: string;
        metadata: { name: string };
        data?: Record<string, string>;
      }>(SECRETS, name, NAMESPACE);
      const value = Buffer.from(secret.data?.password ?? '', 'base64').toString('utf8');
      if (value === plaintext.get(name)) readable++;
      else errors.push(`${name}: value differs`);
    } catch (error) {
      errors.push(
        error instanceof KubeApiError
          ? `${name}: ${error.status} ${statusMessage(error.body)}`
          : String(error),
      );
    }
  }
  return { readable, errors };
}

function statusMessage(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text.slice(0, 300);
  } catch {
    return text.slice(0, 300);
  }
}

/** The configuration with secrets masked, for the evidence. */
function describeConfig(config: EncryptionConfig | undefined): string {
  if (!config) return '# no --encryption-provider-config\n';
  return `${config.providers
    .map((provider) =>
      provider.kind === 'identity'
        ? '- identity: {}'
        : `- ${provider.kind}: keys ${provider.keys.map((key) => `${key.name} (sha256 of secret not recorded)`).join(', ')}`,
    )
    .join('\n')}\n`;
}

function nonce(): string {
  return Math.random().toString(36).slice(2, 12);
}
