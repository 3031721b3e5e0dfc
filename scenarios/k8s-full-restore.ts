// The guide's "Full Cluster Failure" with a real kube-apiserver as the client: namespaces, ConfigMaps, Secrets, a CRD
// and custom resources through the API; a snapshot; more writes; the API server stopped; every member's data lost;
// the guide's restore (its etcdctl command where this version still has it); the API server started again; every
// object checked. Informers (list+watch from their last resourceVersion, as client-go's reflector) run across the
// restore: one reconnects as soon as the API server answers, one only after writes on the restored cluster. The same
// snapshot is then restored with --bump-revision --mark-compacted for a second pair of informers that saw the same
// history: the reason those flags exist, measured.
import { join } from 'node:path';
import {
  type AfterSnapshotChange,
  ApiServerSpec,
  type CachedObject,
  CONFIGMAPS,
  CRDS,
  checkFullRestore,
  checkWatchAcrossRestore,
  configMapObject,
  defineScenario,
  etcdRevision,
  guideSnapshotRestore,
  Informer,
  type InformerAcrossRestore,
  InputError,
  type KubeClient,
  type KubeObject,
  kubernetesParam,
  NAMESPACES,
  namespaceObject,
  type ObjectExpectation,
  objectDigest,
  objectKey,
  procedureError,
  quotableOutput,
  type ResourceType,
  restoreInitializer,
  SCENARIO_LABEL,
  SECRETS,
  type StartedCluster,
  saveSnapshot,
  secretObject,
  snapshotStatus,
  toolError,
  WIDGET_CRD_NAME,
  WIDGETS,
  waitForCrdEstablished,
  widgetCrd,
  widgetObject,
  withKube,
} from '../harness/index.js';

const SCENARIO = 'k8s-full-restore';

interface Written {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

export default defineScenario({
  id: SCENARIO,
  title: "Full cluster failure with kube-apiserver: the guide's restore, and informers across it",
  claims: ['k8s.full-restore', 'k8s.watch-after-restore'],
  params: {
    kubernetes: kubernetesParam(),
    namespaces: {
      type: 'number',
      default: 3,
      min: 1,
      max: 20,
      description: 'namespaces written before the snapshot',
    },
    configMapsPerNamespace: { type: 'number', default: 5, min: 1, description: 'ConfigMaps per namespace' },
    secretsPerNamespace: { type: 'number', default: 2, min: 0, description: 'Secrets per namespace' },
    widgets: { type: 'number', default: 3, min: 1, description: 'custom resources of the test CRD' },
    createdAfterSnapshot: {
      type: 'number',
      default: 40,
      min: 10,
      description:
        'ConfigMaps created after the snapshot: puts what clients saw well above the revision the restored API server starts at',
    },
    bumpRevision: {
      type: 'number',
      default: 1_000_000_000,
      min: 1,
      description: '--bump-revision for the second restore (Kubernetes docs use 1e9)',
    },
    settleMs: {
      type: 'number',
      default: 15_000,
      unit: 'ms',
      min: 1_000,
      description: 'how long informers may take to reach the server state after the last write',
    },
  },
  intensities: {
    quick: {
      namespaces: 2,
      configMapsPerNamespace: 3,
      secretsPerNamespace: 1,
      widgets: 2,
      createdAfterSnapshot: 30,
      settleMs: 8_000,
    },
  },
  suites: ['full'],
  timeoutMs: { quick: 8 * 60_000, full: 20 * 60_000 },
  async run(ctx) {
    await withKube(ctx, async (kube) => {
      const { params } = ctx;
      const source = await ctx.startCluster(ctx.clusterSpec().withTls());
      const spec = ApiServerSpec.forCluster(source, params.kubernetes);
      const first = await kube.start(spec, 'before-failure');
      const api = first.client;

      ctx.step('writing namespaces, ConfigMaps, Secrets, a CRD and custom resources through the API');
      const written: Written[] = [];
      const create = async (type: ResourceType, object: KubeObject) => {
        const created = await api.create(type, object);
        written.push({ type, object: created });
        return created;
      };
      const namespaces = Array.from({ length: params.namespaces }, (_, index) => `kfr-${index}`);
      for (const namespace of namespaces) {
        await create(NAMESPACES, namespaceObject(namespace, SCENARIO));
        for (let index = 0; index < params.configMapsPerNamespace; index++)
          await create(
            CONFIGMAPS,
            configMapObject(
              namespace,
              `cm-${index}`,
              { value: `${namespace}-cm-${index}-${nonce()}` },
              SCENARIO,
            ),
          );
        for (let index = 0; index < params.secretsPerNamespace; index++)
          await create(
            SECRETS,
            secretObject(
              namespace,
              `secret-${index}`,
              { password: `${namespace}-s-${index}-${nonce()}` },
              SCENARIO,
            ),
          );
      }
      await create(CRDS, widgetCrd(SCENARIO));
      await waitForCrdEstablished(api, WIDGET_CRD_NAME);
      for (let index = 0; index < params.widgets; index++)
        await create(WIDGETS, widgetObject(namespaces[0]!, `widget-${index}`, index + 1, SCENARIO));

      const selector = `${SCENARIO_LABEL}=${SCENARIO}`;
      const informerClient = spec.client();
      const informers = {
        plainEarly: await Informer.start(informerClient, CONFIGMAPS, {
          name: 'guide-reconnects-at-once',
          labelSelector: selector,
        }),
        plainLate: await Informer.start(informerClient, CONFIGMAPS, {
          name: 'guide-reconnects-late',
          labelSelector: selector,
        }),
        bumpEarly: await Informer.start(informerClient, CONFIGMAPS, {
          name: 'bump-reconnects-at-once',
          labelSelector: selector,
        }),
        bumpLate: await Informer.start(informerClient, CONFIGMAPS, {
          name: 'bump-reconnects-late',
          labelSelector: selector,
        }),
      };

      ctx.step('snapshot, then changes the snapshot does not hold');
      const snapshotPath = join(ctx.workDir, `${SCENARIO}-${ctx.target.version}.db`);
      const saved = await saveSnapshot(source, source.members[0]!, snapshotPath);
      ctx.recordTool('snapshot save', saved.run);
      const status = await snapshotStatus(source.binaries, snapshotPath);
      ctx.recordTool('snapshot status', status.run);
      if (!status.status) throw new InputError(`snapshot status failed: ${toolError(status.run)}`);
      const snapshotRevision = status.status.revision;
      const changes: {
        key: string;
        type: ResourceType;
        name: string;
        namespace: string;
        change: AfterSnapshotChange['change'];
        before?: string;
        after?: string;
      }[] = [];
      const cmNamespace = namespaces[0]!;
      for (let index = 0; index < params.createdAfterSnapshot; index++) {
        const created = await api.create(
          CONFIGMAPS,
          configMapObject(cmNamespace, `after-snapshot-${index}`, { value: nonce() }, SCENARIO),
        );
        changes.push({
          key: `configmaps ${objectKey(created)}`,
          type: CONFIGMAPS,
          name: created.metadata.name,
          namespace: cmNamespace,
          change: 'created',
          after: objectDigest(created),
        });
      }
      const updatedName = 'cm-0';
      const before = written.find(
        (entry) =>
          entry.type === CONFIGMAPS &&
          entry.object.metadata.name === updatedName &&
          entry.object.metadata.namespace === cmNamespace,
      )!;
      const updated = await api.patch(
        CONFIGMAPS,
        updatedName,
        { data: { value: `updated-after-snapshot-${nonce()}` } },
        cmNamespace,
      );
      changes.push({
        key: `configmaps ${cmNamespace}/${updatedName}`,
        type: CONFIGMAPS,
        name: updatedName,
        namespace: cmNamespace,
        change: 'updated',
        before: objectDigest(before.object),
        after: objectDigest(updated),
      });
      const deletedNamespace = namespaces[namespaces.length - 1]!;
      const deletedName = `cm-${params.configMapsPerNamespace - 1}`;
      const deletedBefore = written.find(
        (entry) =>
          entry.type === CONFIGMAPS &&
          entry.object.metadata.name === deletedName &&
          entry.object.metadata.namespace === deletedNamespace,
      )!;
      await api.delete(CONFIGMAPS, deletedName, deletedNamespace);
      changes.push({
        key: `configmaps ${deletedNamespace}/${deletedName}`,
        type: CONFIGMAPS,
        name: deletedName,
        namespace: deletedNamespace,
        change: 'deleted',
        before: objectDigest(deletedBefore.object),
      });
      const lastKey = `${cmNamespace}/after-snapshot-${params.createdAfterSnapshot - 1}`;
      for (const informer of Object.values(informers))
        await informer.waitFor(
          () => informer.has(lastKey) && !informer.has(`${deletedNamespace}/${deletedName}`),
          30_000,
        );
      const clientRevisionBefore = Math.max(
        ...Object.values(informers).map((informer) => Number(informer.resourceVersion)),
      );

      ctx.step("full cluster failure: stop kube-apiserver, lose every member's data");
      const stoppedFirst = await kube.stop(first, { signal: 'SIGTERM', timeoutMs: 15_000 });
      await informers.plainLate.pause();
      await informers.bumpEarly.pause();
      await informers.bumpLate.pause();
      await ctx.releaseCluster(source);

      ctx.step('restore as the guide says (etcdctl snapshot restore), start etcd, start kube-apiserver');
      let guideRun: Awaited<ReturnType<typeof guideSnapshotRestore>> | undefined;
      const restored = await ctx.startCluster(
        ctx
          .clusterSpec()
          .withTls()
          .withDataDirInitializer(async (init) => {
            const run = await guideSnapshotRestore(snapshotPath, init);
            ctx.recordTool(`guide: etcdctl snapshot restore for ${init.member}`, run.guide);
            if (run.fallback)
              ctx.recordTool(`fallback: etcdutl snapshot restore for ${init.member}`, run.fallback);
            if (run.fallback && run.fallback.exitCode !== 0)
              throw procedureError(`snapshot restore for ${init.member}`, run.fallback);
            guideRun ??= run;
          }),
      );
      spec.withCluster(restored);
      const afterRestore = await kube.start(spec, 'after-guide-restore');
      const revisionAtReady = await etcdRevision(restored);

      ctx.step('every object of the snapshot, nothing after it');
      const objects: ObjectExpectation[] = [];
      for (const entry of written) {
        const { name, namespace } = entry.object.metadata;
        const deletedAfter = changes.find(
          (change) =>
            change.change === 'deleted' &&
            change.name === name &&
            change.namespace === namespace &&
            entry.type === CONFIGMAPS,
        );
        const updatedAfter = changes.find(
          (change) =>
            change.change === 'updated' &&
            change.name === name &&
            change.namespace === namespace &&
            entry.type === CONFIGMAPS,
        );
        if (deletedAfter || updatedAfter) continue; // judged as after-snapshot changes
        const served = await afterRestore.client.find(entry.type, name, namespace);
        objects.push({
          key: `${entry.type.plural} ${objectKey(entry.object)}`,
          digest: objectDigest(entry.object),
          observed: served ? objectDigest(served) : undefined,
        });
      }
      const afterSnapshot: AfterSnapshotChange[] = [];
      for (const change of changes) {
        const served = await afterRestore.client.find(change.type, change.name, change.namespace);
        const digest = served ? objectDigest(served) : undefined;
        afterSnapshot.push({
          key: change.key,
          change: change.change,
          observed:
            digest === undefined
              ? 'absent'
              : digest === change.before
                ? 'as-before-snapshot'
                : digest === change.after
                  ? 'as-after-snapshot'
                  : 'other',
        });
      }
      const guide = guideRun!;
      const fullRestore = {
        guideCommand: {
          command: guide.guide.command,
          exitCode: guide.guide.exitCode,
          producedDataDir: guide.producedDataDir,
          output: quotableOutput(guide.guide),
          fallback: guide.fallback ? guide.fallback.command.split(' ').slice(0, 3).join(' ') : undefined,
        },
        objects,
        afterSnapshot,
        apiserverReadyAfterMs: afterRestore.readyAfterMs ?? Number.NaN,
        snapshotRevision,
      };
      await ctx.evidence.json('full-restore.json', { ...fullRestore, apiserverStop: stoppedFirst });
      for (const outcome of checkFullRestore(fullRestore))
        ctx.report(outcome, [(await kube.copyLog(afterRestore)) ?? '']);

      // Enough writes on the restored cluster to carry its revision past what the clients had seen.
      const restoredWrites = Math.max(5, clientRevisionBefore - revisionAtReady + 5);
      const plain = await watchPhase(ctx, {
        api: afterRestore.client,
        early: informers.plainEarly,
        late: informers.plainLate,
        restoredAt: afterRestore.spawnedAt,
        writes: restoredWrites,
        namespace: cmNamespace,
        prefix: 'after-guide-restore',
        selector,
        settleMs: params.settleMs,
        cluster: restored,
      });
      const rewoundKey = `${cmNamespace}/${updatedName}`;
      const rewoundAfter = (await afterRestore.client.find(CONFIGMAPS, updatedName, cmNamespace))?.metadata
        .resourceVersion;
      const plainRecord = {
        bump: undefined,
        snapshotRevision,
        clientRevisionBefore,
        revisionAtReady,
        ...plain,
        rewound: { key: rewoundKey, before: updated.metadata.resourceVersion ?? '', after: rewoundAfter },
      };
      await ctx.evidence.json('watch-without-bump.json', plainRecord);
      ctx.report(checkWatchAcrossRestore(plainRecord));

      if (!ctx.target.capabilities.restoreBumpRevision) {
        await informers.bumpEarly.stop();
        await informers.bumpLate.stop();
        ctx.report({
          claim: 'k8s.watch-after-restore',
          check: 'with-bump',
          verdict: 'inconclusive',
          reason: `etcd ${ctx.target.version} has no snapshot restore --bump-revision/--mark-compacted (etcdutl 3.5.10+)`,
          expected: 'informers get 410 Gone and relist after a restore with --bump-revision --mark-compacted',
          observed: 'not run on this version',
        });
        return;
      }

      ctx.step(`the same snapshot restored with --bump-revision=${params.bumpRevision} --mark-compacted`);
      await kube.stop(afterRestore);
      await ctx.releaseCluster(restored);
      const bumped = await ctx.startCluster(
        ctx
          .clusterSpec()
          .withTls()
          .withDataDirInitializer(
            restoreInitializer(snapshotPath, {
              recordTool: (label, run) => ctx.recordTool(label, run),
              label: (member) => `snapshot restore --bump-revision --mark-compacted for ${member}`,
              extraArgs: { bumpRevision: params.bumpRevision, markCompacted: true },
            }),
          ),
      );
      spec.withCluster(bumped);
      // The early informer reconnects as soon as the API server answers: it retries from now on.
      informers.bumpEarly.resume();
      const afterBump = await kube.start(spec, 'after-bump-restore');
      const bumpReady = await etcdRevision(bumped);
      const bump = await watchPhase(ctx, {
        api: afterBump.client,
        early: informers.bumpEarly,
        late: informers.bumpLate,
        restoredAt: afterBump.spawnedAt,
        writes: restoredWrites,
        namespace: cmNamespace,
        prefix: 'after-bump-restore',
        selector,
        settleMs: params.settleMs,
        cluster: bumped,
      });
      const bumpRecord = {
        bump: { revision: params.bumpRevision, markCompacted: true },
        snapshotRevision,
        clientRevisionBefore,
        revisionAtReady: bumpReady,
        ...bump,
        rewound: {
          key: rewoundKey,
          before: updated.metadata.resourceVersion ?? '',
          after: (await afterBump.client.find(CONFIGMAPS, updatedName, cmNamespace))?.metadata
            .resourceVersion,
        },
      };
      await ctx.evidence.json('watch-with-bump.json', bumpRecord);
      ctx.report(checkWatchAcrossRestore(bumpRecord), [(await kube.copyLog(afterBump)) ?? '']);
    });
  },
});

interface PhaseInit {
  readonly api: KubeClient;
  readonly early: Informer;
  readonly late: Informer;
  readonly restoredAt: number;
  readonly writes: number;
  readonly namespace: string;
  readonly prefix: string;
  readonly selector: string;
  readonly settleMs: number;
  readonly cluster: StartedCluster;
}

/** Writes on the restored cluster, resumes the late informer, waits for both to settle, and compares with the server. */
async function watchPhase(
  ctx: { step(message: string): void },
  init: PhaseInit,
): Promise<{
  informers: InformerAcrossRestore[];
  truth: Record<string, CachedObject>;
  revisionAtLateResume: number;
}> {
  ctx.step(`${init.writes} ConfigMaps created on the restored cluster, then the late informer resumes`);
  for (let index = 0; index < init.writes; index++)
    await init.api.create(
      CONFIGMAPS,
      configMapObject(init.namespace, `${init.prefix}-${index}`, { value: nonce() }, SCENARIO),
    );
  const revisionAtLateResume = await etcdRevision(init.cluster);
  init.late.resume();
  const list = await init.api.list(CONFIGMAPS, { labelSelector: init.selector });
  const truth: Record<string, CachedObject> = Object.fromEntries(
    list.items.map((item) => [
      objectKey(item),
      { resourceVersion: item.metadata.resourceVersion ?? '', digest: objectDigest(item) },
    ]),
  );
  const matches = (informer: Informer) => () => {
    const cache = informer.record().cache;
    const keys = Object.keys(cache);
    return (
      keys.length === Object.keys(truth).length &&
      keys.every((key) => cache[key]?.digest === truth[key]?.digest)
    );
  };
  await Promise.all([
    init.early.waitFor(matches(init.early), init.settleMs),
    init.late.waitFor(matches(init.late), init.settleMs),
  ]);
  const early = await init.early.stop();
  const late = await init.late.stop();
  return {
    informers: [
      { record: early, resumed: 'as soon as the API server answered', restoredAt: init.restoredAt },
      {
        record: late,
        resumed: `after ${init.writes} writes on the restored cluster`,
        restoredAt: init.restoredAt,
      },
    ],
    truth,
    revisionAtLateResume,
  };
}

function nonce(): string {
  return Math.random().toString(36).slice(2, 10);
}
