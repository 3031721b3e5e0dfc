// Recover one deleted key (a Kubernetes CRD) from a snapshot without restoring the cluster: the snapshot is restored
// into a scratch data dir of a throwaway single-member cluster, the key is read there (etcdctl get -w json) and put
// back into the live cluster; the guide's own "CRD Deletion" command is run too, as written and as intended.
import { join } from 'node:path';
import {
  checkSingleKeyRecovery,
  defineScenario,
  type GuideCommandRecord,
  restoreInitializer,
  type SingleKeyRecord,
  type StartedCluster,
  saveSnapshot,
  toolError,
} from '../harness/index.js';

const CRD_KEY = '/registry/apiextensions.k8s.io/customresourcedefinitions/widgets.example.com';
const REGISTRY = '/registry/';

interface GetJson {
  readonly count?: number;
  readonly kvs?: readonly { readonly key: string; readonly value?: string }[];
  readonly value?: unknown;
}

export default defineScenario({
  id: 'restore-single-key',
  title: 'Recover one deleted key from a snapshot',
  claims: ['restore.single-key'],
  params: {
    otherKeys: {
      type: 'number',
      default: 200,
      unit: 'count',
      min: 10,
      max: 100_000,
      description: 'other Kubernetes-like keys around the CRD',
    },
  },
  intensities: { quick: { otherKeys: 50 } },
  async run(ctx) {
    const live = await ctx.startCluster();
    const client = live.client();
    const first = live.members[0]!.name;
    ctx.step(`writing the CRD and ${ctx.params.otherKeys} other keys`);
    const original = Buffer.from(JSON.stringify(crd()));
    await client.put(CRD_KEY).value(original);
    const configMaps = Math.max(1, ctx.params.otherKeys - 4);
    const puts = [
      client
        .put(`${REGISTRY}apiextensions.k8s.io/customresourcedefinitions/gadgets.example.com`)
        .value(
          JSON.stringify({ kind: 'CustomResourceDefinition', metadata: { name: 'gadgets.example.com' } }),
        ),
      client
        .put(`${REGISTRY}namespaces/default`)
        .value(JSON.stringify({ kind: 'Namespace', name: 'default' })),
      client
        .put(`${REGISTRY}example.com/widgets/default/w-1`)
        .value(JSON.stringify({ kind: 'Widget', size: 1 })),
      client
        .put(`${REGISTRY}example.com/widgets/default/w-2`)
        .value(JSON.stringify({ kind: 'Widget', size: 2 })),
      ...Array.from({ length: configMaps }, (_, index) =>
        client
          .put(configMapKey(index))
          .value(JSON.stringify({ kind: 'ConfigMap', data: { index, at: 'before' } })),
      ),
    ];
    for (let start = 0; start < puts.length; start += 50)
      await Promise.all(puts.slice(start, start + 50).map((put) => put.exec()));

    const beforeDeletion = await live.etcdctl<GetJson>(['get', CRD_KEY], { json: true, members: [first] });
    ctx.recordTool('etcdctl get -w json (key present, the JSON the guide pipes into jq)', beforeDeletion);

    ctx.step('snapshot, then delete the CRD and change other keys');
    const snapshotPath = join(ctx.workDir, `${ctx.scenario}-${ctx.target.version}.db`);
    ctx.recordTool('snapshot save', (await saveSnapshot(live, live.members[0]!, snapshotPath)).run);
    await client.delete().key(CRD_KEY);
    const changedAfterSnapshot = [
      configMapKey(0),
      configMapKey(1),
      configMapKey(2),
      `${REGISTRY}configmaps/default/added-after-snapshot`,
    ];
    for (const key of changedAfterSnapshot)
      await client.put(key).value(JSON.stringify({ kind: 'ConfigMap', data: { at: 'after the snapshot' } }));
    if (configMaps > 3) {
      await client.delete().key(configMapKey(configMaps - 1));
      changedAfterSnapshot.push(configMapKey(configMaps - 1));
    }
    const presentAfterDeletion = (await client.get(CRD_KEY).buffer()) !== null;

    ctx.step("the guide's command against the live cluster");
    const literal = await live.etcdctl(['get', CRD_KEY, '-o', 'json'], {
      members: [first],
      allowFailure: true,
    });
    ctx.recordTool("the guide's command as written (-o json)", literal);
    const afterDeletion = await live.etcdctl<GetJson>(['get', CRD_KEY], {
      json: true,
      members: [first],
      allowFailure: true,
    });
    ctx.recordTool("the guide's command with -w json, after the deletion", afterDeletion);
    const guide: GuideCommandRecord = {
      literal: {
        exitCode: literal.exitCode,
        message: literal.stderr.split('\n').find((line) => line.startsWith('Error:')) ?? toolError(literal),
      },
      afterDeletion: {
        exitCode: afterDeletion.exitCode,
        count: afterDeletion.json?.kvs?.length ?? Number(afterDeletion.json?.count ?? 0),
      },
      jqValueFieldPresent: beforeDeletion.json !== undefined && 'value' in beforeDeletion.json,
    };
    const otherKeysBefore = await registryKeys(live);

    ctx.step('restore the snapshot into a throwaway single-member cluster and read the key there');
    const scratchSpec = ctx
      .clusterSpec()
      .withMembers(1)
      .withDataDirInitializer(
        restoreInitializer(snapshotPath, {
          recordTool: ctx.recordTool.bind(ctx),
          label: () => 'snapshot restore into a scratch data dir',
        }),
      );
    const scratch = await ctx.startCluster(scratchSpec);
    const fromScratch = await scratch.etcdctl<GetJson>(['get', CRD_KEY], { json: true, allowFailure: true });
    ctx.recordTool('etcdctl get -w json from the scratch cluster', fromScratch);
    const encoded = fromScratch.json?.kvs?.[0]?.value;
    const fromSnapshot = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
    await ctx.releaseCluster(scratch);

    ctx.step('put the key back into the live cluster');
    if (fromSnapshot) await client.put(CRD_KEY).value(fromSnapshot);
    const liveAfterRecovery = (await client.get(CRD_KEY).buffer()) ?? undefined;
    const otherKeysAfter = await registryKeys(live);

    const record: SingleKeyRecord = {
      key: CRD_KEY,
      original,
      presentAfterDeletion,
      fromSnapshot,
      liveAfterRecovery,
      otherKeysBefore,
      otherKeysAfter,
      changedAfterSnapshot,
      guide,
    };
    await ctx.evidence.json('single-key.json', {
      key: CRD_KEY,
      original: original.toString(),
      fromSnapshot: fromSnapshot?.toString(),
      liveAfterRecovery: liveAfterRecovery?.toString(),
      presentAfterDeletion,
      changedAfterSnapshot,
      guide,
      otherKeys: Object.keys(otherKeysBefore).length,
    });
    ctx.report(checkSingleKeyRecovery(record));
  },
});

function configMapKey(index: number): string {
  return `${REGISTRY}configmaps/default/cm-${String(index).padStart(4, '0')}`;
}

/** Every live key under /registry/ except the CRD, values as base64 (exact bytes). */
async function registryKeys(cluster: StartedCluster): Promise<Record<string, string>> {
  const values = await cluster.client().getAll().prefix(REGISTRY).buffers();
  const keys: Record<string, string> = {};
  for (const [key, value] of Object.entries(values))
    if (key !== CRD_KEY) keys[key] = value.toString('base64');
  return keys;
}

/** A CRD as the API server stores it (JSON), with non-ASCII text so that "byte-identical" means something. */
function crd(): unknown {
  return {
    kind: 'CustomResourceDefinition',
    apiVersion: 'apiextensions.k8s.io/v1',
    metadata: {
      name: 'widgets.example.com',
      uid: '5f0c6a52-8a8e-4a4e-9f1e-2d7c3e1b9a10',
      generation: 1,
      creationTimestamp: '2026-06-05T10:30:45Z',
      annotations: { description: 'Widgets — größer, schöner ✓' },
    },
    spec: {
      group: 'example.com',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer', minimum: 1 } } } },
            },
          },
        },
      ],
    },
    status: { acceptedNames: { plural: 'widgets', kind: 'Widget' }, storedVersions: ['v1'] },
  };
}
