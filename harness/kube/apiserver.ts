// A real kube-apiserver attached to an etcd-chaos cluster: a spec (which cluster, which release, encryption, flags)
// that starts a process (recorded in the run journal before it can outlive the harness, under a parent-death
// signal, on 127.0.0.1 only, mTLS to etcd with the cluster's client certificate), a started handle (client, logs,
// metrics, readiness), and what a stopped one leaves (exit, log). Throwaway API servers are stopped with SIGKILL:
// with its etcd gone, kube-apiserver was measured still running 15 s after SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type KubeApiServerBinary, resolveKubeApiServer } from '../binaries/resolve-kube-apiserver.js';
import type { ProgressListener } from '../binaries/types.js';
import type { ClientTls } from '../cluster/clients.js';
import { freePort } from '../cluster/ports.js';
import { withParentDeathSignal } from '../cluster/spawn.js';
import type { StartedCluster } from '../cluster/types.js';
import { CancelledError, HarnessError, InputError } from '../errors.js';
import { logger } from '../log.js';
import { processStartTime, waitForExit } from '../runstate/proc.js';
import type { Session } from '../session.js';
import { tail } from '../util/exec.js';
import { type KubernetesVersion, parseKubernetesVersion } from '../versions/kubernetes-release.js';
import { KubeClient, KubeConnectionError } from './client.js';
import { createKubeCredentials, type KubeCredentials } from './credentials.js';
import { type EncryptionConfig, renderEncryptionConfiguration } from './encryption.js';

const log = logger('kube-apiserver');

/** The Service CIDR every throwaway API server gets (no Service is ever routed). */
const SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/16';
const DEFAULT_READY_TIMEOUT_MS = 120_000;

/** Where the API server finds etcd: client URLs (through the members' client proxies) and client TLS. */
export interface EtcdAttachment {
  readonly endpoints: readonly string[];
  readonly tls: ClientTls | undefined;
  /** The etcd release (for reports). */
  readonly etcdVersion: string;
}

export function etcdAttachmentOf(cluster: StartedCluster): EtcdAttachment {
  return {
    endpoints: cluster.endpoints(),
    tls: cluster.clientTls(),
    etcdVersion: cluster.version.toString(),
  };
}

/** kube-apiserver did not start or did not become ready; carries the tail of its log. */
export class ApiServerStartError extends HarnessError {
  override readonly name: string = 'ApiServerStartError';
  readonly logTail: string;
  constructor(
    reason: string,
    logTail: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    const trimmed = logTail.trim();
    super(
      `kube-apiserver failed to start: ${reason}${trimmed ? `\n--- tail of its log ---\n${trimmed}` : ''}`,
      options,
    );
    this.logTail = logTail;
  }
}

export interface ApiServerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export interface ApiServerStartOptions {
  session: Session;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** The builder: what to start. Starting the same spec again (after a stop) reuses its credentials, like a restart. */
export class ApiServerSpec {
  private version: KubernetesVersion;
  private etcd: EtcdAttachment;
  private encryption: EncryptionConfig | undefined;
  private etcdClientCert: { certFile: string; keyFile: string } | undefined;
  private extraFlags: Record<string, string> = {};
  private readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
  private waitForReady = true;
  private credentials: Promise<KubeCredentials> | undefined;
  private connection: { token: string; caFile: string } | undefined;
  private dir: string | undefined;
  private starts = 0;
  /** The port of the first start, kept for later starts: clients keep their URL across a restart. */
  private port: number | undefined;
  private binary: KubeApiServerBinary | undefined;

  private constructor(etcd: EtcdAttachment, version: KubernetesVersion) {
    this.etcd = etcd;
    this.version = version;
  }

  /** An API server for `cluster` (its client proxies and client certificate) of Kubernetes `version` (default 1.34). */
  static forCluster(cluster: StartedCluster, version: string | KubernetesVersion = 'default'): ApiServerSpec {
    return new ApiServerSpec(
      etcdAttachmentOf(cluster),
      typeof version === 'string' ? parseKubernetesVersion(version) : version,
    );
  }

  /** Points the next start at another cluster (a restored one): what an operator's unchanged flags would reach. */
  withCluster(cluster: StartedCluster): this {
    this.etcd = etcdAttachmentOf(cluster);
    return this;
  }

  withVersion(version: string | KubernetesVersion): this {
    this.version = typeof version === 'string' ? parseKubernetesVersion(version) : version;
    this.binary = undefined;
    return this;
  }

  /** `--encryption-provider-config` with this configuration (undefined: none). */
  withEncryption(config: EncryptionConfig | undefined): this {
    this.encryption = config;
    return this;
  }

  /** A client certificate for etcd other than the cluster's (e.g. one etcd must refuse). */
  withEtcdClientCertificate(files: { certFile: string; keyFile: string } | undefined): this {
    this.etcdClientCert = files;
    return this;
  }

  /** Extra kube-apiserver flags (`{ 'watch-cache': 'false' }`); they override the defaults. */
  withFlags(flags: Readonly<Record<string, string>>): this {
    for (const name of Object.keys(flags)) {
      if (!/^[a-z][a-z0-9-]*$/.test(name))
        throw new InputError(
          `Expected a kube-apiserver flag name without dashes (\`watch-cache\`), got \`${name}\`.`,
        );
    }
    Object.assign(this.extraFlags, flags);
    return this;
  }

  /** How long `start()` waits for `/readyz` (default 120 s); `wait: false` returns once the process runs. */
  withReadiness(options: { timeoutMs?: number; wait?: boolean }): this {
    if (options.timeoutMs !== undefined) this.readyTimeoutMs = options.timeoutMs;
    if (options.wait !== undefined) this.waitForReady = options.wait;
    return this;
  }

  get kubernetesVersion(): KubernetesVersion {
    return this.version;
  }

  /**
   * A client that stays valid across restarts of this spec (same URL, token and CA), for informers that must outlive
   * one API server process. Available after the first start.
   */
  client(): KubeClient {
    if (!this.port || !this.connection)
      throw new HarnessError('ApiServerSpec.client(): start the API server first');
    return new KubeClient({ url: `https://127.0.0.1:${this.port}`, ...this.connection });
  }

  /** Provisions the binary (a build on a cold cache), writes credentials and config, starts, waits for /readyz. */
  async start(options: ApiServerStartOptions): Promise<StartedApiServer> {
    const { session } = options;
    options.signal?.throwIfAborted();
    this.binary ??= await resolveKubeApiServer(this.version, {
      onProgress: options.onProgress,
      signal: options.signal,
    });
    if (!this.dir) {
      this.dir = join(session.workDir, `kube-apiserver-${session.nextClusterName()}`);
      await mkdir(this.dir, { recursive: true });
    }
    const dir = this.dir;
    this.credentials ??= createKubeCredentials(join(dir, 'pki'));
    const credentials = await this.credentials;
    this.connection = { token: credentials.token, caFile: credentials.caFile };
    this.starts += 1;
    const label = `${this.starts}`;
    let encryptionFile: string | undefined;
    if (this.encryption) {
      encryptionFile = join(dir, `encryption-${label}.yaml`);
      await writeFile(encryptionFile, renderEncryptionConfiguration(this.encryption), { mode: 0o600 });
    }
    let lastError: unknown;
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = this.port ?? (await freePort());
      const args = this.arguments(port, credentials, encryptionFile);
      const logPath = join(dir, `kube-apiserver-${label}${attempt > 0 ? `-retry${attempt}` : ''}.log`);
      const server = StartedApiServer.spawn({
        binary: this.binary,
        args,
        logPath,
        url: `https://127.0.0.1:${port}`,
        credentials,
        etcd: this.etcd,
        encryption: this.encryption,
        session,
        label: `${this.dir.split('/').pop()}#${label}`,
      });
      if (!this.waitForReady) {
        this.port = port;
        return server;
      }
      try {
        await server.waitReady(this.readyTimeoutMs, options.signal);
        this.port = port;
        return server;
      } catch (error) {
        lastError = error;
        await server.kill();
        const text = await readFile(logPath, 'utf8').catch(() => '');
        if (error instanceof CancelledError || options.signal?.aborted) throw error;
        if (!/address already in use/i.test(text)) throw error;
        log('port %d is taken (%s), retrying', port, this.port ? 'kept from the last start' : 'chosen free');
        if (this.port) await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    throw new ApiServerStartError(
      `could not bind ${this.port ? `port ${this.port} (kept from the last start)` : 'a free port'} after 3 attempts`,
      '',
      { cause: lastError },
    );
  }

  private arguments(
    port: number,
    credentials: KubeCredentials,
    encryptionFile: string | undefined,
  ): string[] {
    const flags: Record<string, string> = {
      'etcd-servers': this.etcd.endpoints.join(','),
      'bind-address': '127.0.0.1',
      'advertise-address': '127.0.0.1',
      'secure-port': String(port),
      'tls-cert-file': credentials.servingCertFile,
      'tls-private-key-file': credentials.servingKeyFile,
      'token-auth-file': credentials.tokenFile,
      'authorization-mode': 'RBAC',
      'service-account-issuer': 'https://kubernetes.default.svc.cluster.local',
      'service-account-key-file': credentials.serviceAccountPublicKeyFile,
      'service-account-signing-key-file': credentials.serviceAccountPrivateKeyFile,
      'service-cluster-ip-range': SERVICE_CLUSTER_IP_RANGE,
      // The lease reconciler would try to publish 127.0.0.1 as the `kubernetes` Service's endpoint (refused as a
      // loopback address, logged every 10 s); nothing here routes to it.
      'endpoint-reconciler-type': 'none',
      profiling: 'false',
      v: '1',
    };
    const tls = this.etcd.tls;
    if (tls) {
      flags['etcd-cafile'] = tls.caFile;
      const cert =
        this.etcdClientCert ??
        (tls.certFile && tls.keyFile ? { certFile: tls.certFile, keyFile: tls.keyFile } : undefined);
      if (cert) {
        flags['etcd-certfile'] = cert.certFile;
        flags['etcd-keyfile'] = cert.keyFile;
      }
    }
    if (encryptionFile) flags['encryption-provider-config'] = encryptionFile;
    Object.assign(flags, this.extraFlags);
    return Object.entries(flags).map(([name, value]) => `--${name}=${value}`);
  }
}

interface SpawnInit {
  readonly binary: KubeApiServerBinary;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly url: string;
  readonly credentials: KubeCredentials;
  readonly etcd: EtcdAttachment;
  readonly encryption: EncryptionConfig | undefined;
  readonly session: Session;
  readonly label: string;
}

/** A running kube-apiserver process. */
export class StartedApiServer implements AsyncDisposable {
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  readonly pid: number;
  readonly version: KubernetesVersion;
  readonly logPath: string;
  readonly args: readonly string[];
  readonly etcd: EtcdAttachment;
  readonly encryption: EncryptionConfig | undefined;
  readonly client: KubeClient;
  /** Epoch ms when the process was spawned. */
  readonly spawnedAt: number;
  /** Spawn to the first `/readyz` 200, once `waitReady` saw it. */
  readyAfterMs: number | undefined;
  /** Epoch ms when the process exited (undefined while it runs). */
  exitedAt: number | undefined;
  private readonly startTime: string;
  private exitInfo: ApiServerExit | undefined;
  private readonly exited: Promise<ApiServerExit>;
  private stopping: Promise<StoppedApiServer> | undefined;

  private constructor(init: SpawnInit, child: ChildProcess, pid: number) {
    this.url = init.url;
    this.token = init.credentials.token;
    this.caFile = init.credentials.caFile;
    this.pid = pid;
    this.version = init.binary.version;
    this.logPath = init.logPath;
    this.args = init.args;
    this.etcd = init.etcd;
    this.encryption = init.encryption;
    this.spawnedAt = Date.now();
    this.startTime = processStartTime(pid) ?? '';
    this.client = new KubeClient({
      url: init.url,
      token: init.credentials.token,
      caFile: init.credentials.caFile,
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitedAt = Date.now();
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  static spawn(init: SpawnInit): StartedApiServer {
    const fd = openSync(init.logPath, 'a');
    const [file, args] = withParentDeathSignal(init.binary.path, init.args);
    const child = spawn(file, args, { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    const pid = child.pid;
    if (pid === undefined) throw new ApiServerStartError(`could not spawn ${init.binary.path}`, '');
    child.unref();
    // Recorded before anything else can fail: from here on `etcd-chaos cleanup` can reap it.
    init.session.journal.recordProcess(pid, 'kube-apiserver', init.label);
    const server = new StartedApiServer(init, child, pid);
    init.session.defer(`kube-apiserver ${init.label}`, () => server.kill().then(() => undefined));
    log('spawned %o', {
      pid,
      url: init.url,
      version: init.binary.version.toString(),
      etcd: init.etcd.endpoints,
    });
    return server;
  }

  /** Exit status once the process has exited (undefined while it runs). */
  get exit(): ApiServerExit | undefined {
    return this.exitInfo;
  }

  get running(): boolean {
    return this.exitInfo === undefined && processStartTime(this.pid) === this.startTime;
  }

  /** Polls `/readyz` until it answers 200; fails early when the process exits. */
  async waitReady(timeoutMs: number = DEFAULT_READY_TIMEOUT_MS, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (signal?.aborted) throw new CancelledError('cancelled while waiting for kube-apiserver');
      if (!this.running) {
        throw new ApiServerStartError(
          `the process exited (${describeExit(this.exitInfo)}) before /readyz answered`,
          await this.tailLog(30),
          { context: { pid: this.pid } },
        );
      }
      try {
        const response = await this.client.health('/readyz', 5_000);
        if (response.status === 200) {
          this.readyAfterMs = Date.now() - this.spawnedAt;
          log('ready %o', { pid: this.pid, readyAfterMs: this.readyAfterMs });
          return this.readyAfterMs;
        }
        last = `/readyz ${response.status}: ${failingChecks(response.text)}`;
      } catch (error) {
        last =
          error instanceof KubeConnectionError ? `no answer (${error.code ?? error.message})` : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new ApiServerStartError(`not ready after ${timeoutMs} ms (last: ${last})`, await this.tailLog(30), {
      context: { pid: this.pid },
    });
  }

  /**
   * Polls `/livez` until it answers 200 (the process serves requests, ready or not): for API servers that are
   * expected never to become ready.
   */
  async waitLive(timeoutMs: number = DEFAULT_READY_TIMEOUT_MS, signal?: AbortSignal): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (signal?.aborted) throw new CancelledError('cancelled while waiting for kube-apiserver');
      if (!this.running)
        throw new ApiServerStartError(
          `the process exited (${describeExit(this.exitInfo)}) before /livez answered`,
          await this.tailLog(30),
        );
      try {
        const response = await this.client.health('/livez', 5_000);
        if (response.status === 200) return Date.now() - this.spawnedAt;
        last = `/livez ${response.status}: ${failingChecks(response.text)}`;
      } catch (error) {
        last =
          error instanceof KubeConnectionError ? `no answer (${error.code ?? error.message})` : String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new ApiServerStartError(`not live after ${timeoutMs} ms (last: ${last})`, await this.tailLog(30));
  }

  async tailLog(lines = 50): Promise<string> {
    return tail(await readFile(this.logPath, 'utf8').catch(() => ''), lines);
  }

  /**
   * Stops the process: SIGKILL by default (throwaway), or SIGTERM with `timeoutMs` before SIGKILL (how the guide's
   * `systemctl stop kube-apiserver` ends it). Idempotent.
   */
  stop(options: { signal?: 'SIGKILL' | 'SIGTERM'; timeoutMs?: number } = {}): Promise<StoppedApiServer> {
    this.stopping ??= this.doStop(options.signal ?? 'SIGKILL', options.timeoutMs ?? 10_000);
    return this.stopping;
  }

  kill(): Promise<StoppedApiServer> {
    return this.stop({ signal: 'SIGKILL' });
  }

  private async doStop(signal: 'SIGKILL' | 'SIGTERM', timeoutMs: number): Promise<StoppedApiServer> {
    const startedAt = Date.now();
    let escalated = false;
    if (this.running) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
      if (!(await waitForExit(this.pid, this.startTime, signal === 'SIGKILL' ? 10_000 : timeoutMs))) {
        escalated = signal !== 'SIGKILL';
        try {
          process.kill(this.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await waitForExit(this.pid, this.startTime, 10_000);
      }
    }
    this.client.close();
    const exit = await Promise.race([
      this.exited,
      new Promise<ApiServerExit>((resolve) =>
        setTimeout(() => resolve(this.exitInfo ?? { code: null, signal: null }), 1_000),
      ),
    ]);
    return {
      logPath: this.logPath,
      exit,
      signal,
      escalatedToKill: escalated,
      stopMs: Date.now() - startedAt,
    };
  }

  /** What `up --json` and reports show. */
  describe(): { url: string; token: string; pid: number; version: string; caFile: string; log: string } {
    return {
      url: this.url,
      token: this.token,
      pid: this.pid,
      version: this.version.toString(),
      caFile: this.caFile,
      log: this.logPath,
    };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.kill();
  }
}

export interface StoppedApiServer {
  readonly logPath: string;
  readonly exit: ApiServerExit;
  readonly signal: 'SIGKILL' | 'SIGTERM';
  /** SIGTERM was not enough within the timeout. */
  readonly escalatedToKill: boolean;
  readonly stopMs: number;
}

function describeExit(exit: ApiServerExit | undefined): string {
  if (!exit) return 'unknown status';
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

/** The `[-]name failed` lines of a verbose health answer. */
export function failingChecks(text: string): string {
  const failing = text
    .split('\n')
    .filter((line) => line.startsWith('[-]'))
    .map((line) => line.slice(3).trim());
  return failing.length > 0 ? failing.join('; ').slice(0, 300) : text.trim().slice(0, 200);
}
