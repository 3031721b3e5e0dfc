// The guide's "CRD Deletion" with a real kube-apiserver: a CRD with custom resources, a snapshot, the CRD deleted
// through the API (which deletes its custom resources too); the guide's retrieval command as written; then the working
// way: a throwaway single-member restore of the snapshot read through a throwaway kube-apiserver, the CRD applied
// through the live API, and whether its custom resources come back with it (they do not: they are applied too).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiServerSpec,
  CRDS,
  checkCrdRecovery,
  defineScenario,
  forReapply,
  guideCrdRetrieval,
  InputError,
  type KubeObject,
  kubernetesParam,
  NAMESPACES,
  namespaceObject,
  objectDigest,
  objectKey,
  restoreInitializer,
  saveSnapshot,
  storedFormatOf,
  WIDGET_CRD_NAME,
  WIDGET_GROUP,
  WIDGETS,
  waitForCrdEstablished,
  widgetCrd,
  widgetObject,
  withKube,
} from '../harness/index.js';

const SCENARIO = 'k8s-crd-recovery';
const NAMESPACE = 'kcrd';
const CRD_KEY = `/registry/apiextensions.k8s.io/customresourcedefinitions/${WIDGET_CRD_NAME}`;
const CR_PREFIX = `/registry/${WIDGET_GROUP}/widgets/`;

export default defineScenario({
  id: SCENARIO,
  title: "CRD deletion: the guide's recovery command, the working way, and the custom resources",
  claims: ['k8s.crd-recovery'],
  params: {
    kubernetes: kubernetesParam(),
    customResources: { type: 'number', default: 10, min: 1, description: 'custom resources of the CRD' },
    deleteTimeoutMs: {
      type: 'number',
      default: 60_000,
      unit: 'ms',
      min: 1_000,
      description: 'how long the CRD deletion (custom resources first) may take',
    },
  },
  intensities: { quick: { customResources: 5 } },
  suites: ['full'],
  timeoutMs: { quick: 6 * 60_000, full: 12 * 60_000 },
  async run(ctx) {
    await withKube(ctx, async (kube) => {
      const cluster = await ctx.startCluster(ctx.clusterSpec().withTls().withMembers(1));
      const live = await kube.start(ApiServerSpec.forCluster(cluster, ctx.params.kubernetes), 'live');
      const api = live.client;
      ctx.step(`a CRD (${WIDGET_CRD_NAME}) with ${ctx.params.customResources} custom resources`);
      await api.create(NAMESPACES, namespaceObject(NAMESPACE, SCENARIO));
      await api.create(CRDS, widgetCrd(SCENARIO));
      await waitForCrdEstablished(api, WIDGET_CRD_NAME);
      const written = new Map<string, string>();
      for (let index = 0; index < ctx.params.customResources; index++) {
        const created = await api.create(
          WIDGETS,
          widgetObject(NAMESPACE, `widget-${index}`, index + 1, SCENARIO),
        );
        written.set(objectKey(created), objectDigest(created));
      }
      const snapshotPath = join(ctx.workDir, `${SCENARIO}.db`);
      const saved = await saveSnapshot(cluster, cluster.members[0]!, snapshotPath);
      ctx.recordTool('snapshot save', saved.run);

      ctx.step('the CRD deleted through the API');
      await api.delete(CRDS, WIDGET_CRD_NAME);
      const deleteStarted = Date.now();
      while ((await api.find(CRDS, WIDGET_CRD_NAME)) !== undefined) {
        if (Date.now() - deleteStarted > ctx.params.deleteTimeoutMs)
          throw new InputError(
            `CRD ${WIDGET_CRD_NAME} still exists ${ctx.params.deleteTimeoutMs} ms after its deletion`,
          );
        await ctx.sleep(200);
      }
      const etcd = cluster.members[0]!.client();
      const customResourceKeysAfterDelete = (await etcd.getAll().prefix(CR_PREFIX).keys()).length;

      ctx.step("the guide's retrieval command, as written");
      const crdFile = join(ctx.workDir, 'crd.yaml');
      const guide = await guideCrdRetrieval(cluster, cluster.binaries, WIDGET_CRD_NAME, crdFile);
      ctx.recordTool("guide: etcdctl get ... -o json | jq -r '.value' | base64 -d > crd.yaml", guide);
      const corrected = await cluster.etcdctl(['get', CRD_KEY, '-w', 'json'], { allowFailure: true });
      ctx.recordTool('etcdctl get <crd key> -w json (the real flag) against the live cluster', corrected);
      const keysFound = Number(/"count":(\d+)/.exec(corrected.stdout)?.[1] ?? 0);
      const { size: outputBytes } = await stat(crdFile).catch(() => ({ size: 0 }));

      ctx.step('the working way: a throwaway restore read through a throwaway kube-apiserver');
      const throwaway = await ctx.startCluster(
        ctx
          .clusterSpec()
          .withTls()
          .withMembers(1)
          .withDataDirInitializer(
            restoreInitializer(snapshotPath, {
              recordTool: (label, run) => ctx.recordTool(label, run),
              label: (member) => `throwaway restore for ${member}`,
            }),
          ),
      );
      const storedValue = await throwaway.members[0]!.client().get(CRD_KEY).buffer();
      const storedFormat = storedValue ? storedFormatOf(storedValue) : 'absent';
      const reader = await kube.start(
        ApiServerSpec.forCluster(throwaway, ctx.params.kubernetes),
        'throwaway-restore',
      );
      const fromSnapshot = await reader.client.get(CRDS, WIDGET_CRD_NAME);
      const resourcesFromSnapshot = await reader.client.list(WIDGETS, { namespace: NAMESPACE });
      await ctx.evidence.json('crd-from-snapshot.json', fromSnapshot);
      await kube.stop(reader);
      await ctx.releaseCluster(throwaway);

      ctx.step('the CRD applied through the live API, then its custom resources');
      await api.create(CRDS, forReapply(fromSnapshot));
      const establishedAfterMs = await waitForCrdEstablished(api, WIDGET_CRD_NAME);
      const afterCrdOnly = (await api.list(WIDGETS, { namespace: NAMESPACE })).items.length;
      for (const item of resourcesFromSnapshot.items)
        await api.create(WIDGETS, forReapply(item as KubeObject));
      const restored = (await api.list(WIDGETS, { namespace: NAMESPACE })).items;
      const intact = restored.filter((item) => written.get(objectKey(item)) === objectDigest(item)).length;
      const record = {
        crd: WIDGET_CRD_NAME,
        guideCommand: {
          exitCode: guide.exitCode,
          error: guide.stderr.split('\n').find((line) => line.trim()) ?? '',
          outputBytes,
        },
        correctedRead: { exitCode: corrected.exitCode, keysFound },
        storedFormat,
        customResources: written.size,
        customResourceKeysAfterDelete,
        crdRecovered: true,
        crdEstablishedAfterMs: establishedAfterMs,
        customResourcesAfterCrdOnly: afterCrdOnly,
        customResourcesRestored: restored.length,
        customResourcesIntact: intact,
      };
      await ctx.evidence.json('crd-recovery.json', record);
      for (const outcome of checkCrdRecovery(record)) ctx.report(outcome, [(await kube.copyLog(live)) ?? '']);
    });
  },
});
