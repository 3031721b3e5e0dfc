// `etcd-chaos up`: starts a cluster, prints how to reach it, and keeps it up until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { DockerMember } from '../cluster/docker/docker-member.js';
import type { EtcdCluster } from '../cluster/etcd-cluster.js';
import { ProcessMember } from '../cluster/process/process-member.js';
import { ApiServerSpec, type StartedApiServer } from '../kube/apiserver.js';
import { Session } from '../session.js';
import { describeKubernetesVersions, parseKubernetesVersion } from '../versions/kubernetes-release.js';
import { addClusterOptions, type ClusterOptions, specFromOptions } from './cluster-options.js';
import type { GlobalOptions } from './global-options.js';
import { printJsonLine } from './output.js';
import { lineProgress } from './progress.js';
import { addSetupOptions, prepareSetup, type SetupOptions } from './setup-options.js';

interface UpOptions extends ClusterOptions, SetupOptions {
  json?: boolean;
  /** `true` (no value: the default release) or a Kubernetes version. */
  kubeApiserver?: string | boolean;
}

export function registerUp(program: Command, globals: () => GlobalOptions): void {
  addSetupOptions(
    addClusterOptions(
      program
        .command('up')
        .description(
          'start a cluster behind Toxiproxy and keep it up until Ctrl-C / SIGTERM (then tear it down)',
        ),
    ),
  )
    .option(
      '--json',
      'when ready, print exactly one JSON line (endpoints, proxies, version, pids, etcdctl) on stdout',
    )
    .option(
      '--kube-apiserver [version]',
      `also start a kube-apiserver of this Kubernetes release against the cluster (implies --tls; built from Go modules once per cache; ${describeKubernetesVersions()}). The API server's version, not \`--kubernetes-version\` (which picks the etcd release kubeadm pins)`,
    )
    .action(async (options: UpOptions) => {
      const kubernetes =
        options.kubeApiserver === undefined
          ? undefined
          : parseKubernetesVersion(
              options.kubeApiserver === true ? 'default' : String(options.kubeApiserver),
            );
      const prepared = await prepareSetup(options);
      specFromOptions(options).toSpec(); // validates (flags against the release too) before anything starts
      const { signal } = globals();
      const target = await prepared.target(signal);
      const spec = specFromOptions(options, target);
      if (kubernetes) spec.withTls();
      const onProgress = lineProgress();
      await using session = await Session.open({ onProgress });
      const cluster = await spec.start({ session, onProgress, signal });
      const apiserver = kubernetes
        ? await ApiServerSpec.forCluster(cluster, kubernetes).start({ session, onProgress, signal })
        : undefined;
      if (options.json)
        printJsonLine({
          ...describeCluster(cluster),
          ...describeApiServer(apiserver),
          ...(target.manifest ? { manifest: target.manifest } : {}),
        });
      else printHuman(cluster, apiserver);
      // Members and Toxiproxy are detached and unref'd: without a timer the event loop would drain and exit here.
      const keepAlive = setInterval(() => {}, 60_000);
      await new Promise<void>((resolve) => {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      clearInterval(keepAlive);
      process.stderr.write('[etcd-chaos] tearing down\n');
    });
}

export function describeCluster(cluster: EtcdCluster) {
  const tls = cluster.clientTls();
  return {
    runId: cluster.runId,
    cluster: cluster.name,
    version: cluster.version.toString(),
    backend: cluster.backend,
    network: cluster.network,
    tls: tls ? { ca: tls.caFile, cert: tls.certFile, key: tls.keyFile } : null,
    endpoints: cluster.endpoints(),
    members: cluster.members.map((member) => ({
      name: member.name,
      endpoint: member.urls.client,
      clientDirect: member.urls.clientDirect,
      peer: member.urls.peer,
      metrics: member.urls.metrics,
      pid: member.pid,
      dataDir: member.dataDir,
      log: member.logPath,
      namespace: member instanceof ProcessMember ? (member.namespace ?? null) : null,
      container: member instanceof DockerMember ? (member.containerId ?? null) : null,
    })),
    proxies: Object.fromEntries(cluster.members.map((member) => [member.name, member.proxies])),
    pids: {
      ...Object.fromEntries(cluster.members.map((member) => [member.name, member.pid])),
      toxiproxy: cluster.toxiproxy.pid,
    },
    toxiproxyApi: cluster.toxiproxy.apiUrl,
    etcdctl: cluster.binaries.etcdctl,
    etcdutl: cluster.binaries.etcdutl ?? null,
    flags: cluster.flags,
  };
}

function describeApiServer(apiserver: StartedApiServer | undefined) {
  return apiserver ? { kubeApiServer: apiserver.describe() } : {};
}

function printHuman(cluster: EtcdCluster, apiserver?: StartedApiServer): void {
  const tls = cluster.clientTls();
  const lines = [
    `etcd ${cluster.version} cluster is up (${cluster.backend}): ${cluster.members.length} members, network ${cluster.network}, TLS ${tls ? 'on' : 'off'}`,
    ...cluster.members.map(
      (member) => `  ${member.name}  ${member.urls.client}  pid ${member.pid}  log ${member.logPath}`,
    ),
    `endpoints: ${cluster.endpoints().join(',')}`,
    `try:      ${cluster.binaries.etcdctl} --endpoints=${cluster.endpoints().join(',')}${
      tls ? ` --cacert=${tls.caFile} --cert=${tls.certFile} --key=${tls.keyFile}` : ''
    } endpoint status -w table`,
    `toxiproxy: ${cluster.toxiproxy.apiUrl}`,
    ...(apiserver
      ? [
          `kube-apiserver ${apiserver.version}: ${apiserver.url}  pid ${apiserver.pid}  log ${apiserver.logPath}`,
          `try:      curl --cacert ${apiserver.caFile} -H 'Authorization: Bearer ${apiserver.token}' ${apiserver.url}/api/v1/namespaces`,
        ]
      : []),
    'Press Ctrl-C to tear down.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
