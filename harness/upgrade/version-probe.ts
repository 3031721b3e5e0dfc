// What each member says about versions on its client port (`GET /version`: the server's own release and the cluster
// version the members agreed on), read directly (not through Toxiproxy) and sampled over time during a rehearsal.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ClientTls } from '../cluster/clients.js';
import type { StartedCluster } from '../cluster/types.js';

/** One member's answer at one moment; `error` instead of versions when it did not answer. */
export interface VersionReading {
  readonly member: string;
  /** Epoch ms. */
  readonly at: number;
  /** `etcdserver`, e.g. `3.6.16`. */
  readonly server?: string;
  /** `etcdcluster`, e.g. `3.5.0`. */
  readonly cluster?: string;
  /** `storage` (3.6+), the schema version of the member's backend. */
  readonly storage?: string;
  readonly error?: string;
}

interface VersionBody {
  readonly etcdserver?: string;
  readonly etcdcluster?: string;
  readonly storage?: string;
}

/** `GET <clientDirect>/version` of one member (TLS with the run's client certificate when the cluster uses TLS). */
export async function readMemberVersion(
  url: string,
  member: string,
  tls: ClientTls | undefined,
  timeoutMs = 1_000,
): Promise<VersionReading> {
  const at = Date.now();
  try {
    const body = JSON.parse(await getText(`${url}/version`, tls, timeoutMs)) as VersionBody;
    return {
      member,
      at,
      server: body.etcdserver,
      cluster: body.etcdcluster,
      ...(body.storage ? { storage: body.storage } : {}),
    };
  } catch (error) {
    return { member, at, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Every member's reading, in member order (members that are down answer with an error). */
export async function readClusterVersions(cluster: StartedCluster): Promise<VersionReading[]> {
  const tls = cluster.clientTls();
  return Promise.all(
    cluster.members.map((member) => readMemberVersion(member.urls.clientDirect, member.name, tls)),
  );
}

/** Samples `readClusterVersions` every `intervalMs` until stopped; the readings are the versions-over-time record. */
export class VersionSampler {
  private readonly readings: VersionReading[] = [];
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;

  private constructor(
    private readonly cluster: StartedCluster,
    private readonly intervalMs: number,
  ) {}

  static start(cluster: StartedCluster, intervalMs = 250): VersionSampler {
    const sampler = new VersionSampler(cluster, intervalMs);
    sampler.tick();
    return sampler;
  }

  /** Takes one sample now (e.g. right after a step) and returns it. */
  async sampleNow(): Promise<VersionReading[]> {
    const sample = await readClusterVersions(this.cluster);
    this.readings.push(...sample);
    return sample;
  }

  snapshot(): readonly VersionReading[] {
    return [...this.readings].sort((a, b) => a.at - b.at);
  }

  async stop(): Promise<readonly VersionReading[]> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    return this.snapshot();
  }

  private tick(): void {
    if (this.stopped) return;
    // readClusterVersions records a member that does not answer as a reading with its error; nothing else throws.
    this.inFlight = this.sampleNow().then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.finally(() => {
      // Unreferenced: a sampler a failed scenario forgot to stop must not keep the process alive.
      if (!this.stopped) this.timer = setTimeout(() => this.tick(), this.intervalMs).unref();
    });
  }
}

function getText(url: string, tls: ClientTls | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const options = secure
      ? {
          ca: tls ? readFileSync(tls.caFile) : undefined,
          cert: tls?.certFile ? readFileSync(tls.certFile) : undefined,
          key: tls?.keyFile ? readFileSync(tls.keyFile) : undefined,
          timeout: timeoutMs,
        }
      : { timeout: timeoutMs };
    const request = (secure ? httpsRequest : httpRequest)(url, options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () =>
        response.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${response.statusCode}`)),
      );
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end();
  });
}
