// A small typed Kubernetes REST client over node:https with the static admin token: CRUD, list, watch (the raw
// event stream, so scenarios see resourceVersions, ERROR events and status codes as they are), health and metrics.
// @kubernetes/client-node 2.x crashes on Node 20 (its undici 8 needs Node 22), and the scenarios need raw status
// codes and watch events more than a typed model: see the README's libraries table.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { HarnessError } from '../errors.js';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  resourceVersion?: string;
  uid?: string;
  labels?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export interface KubeStatus {
  kind: 'Status';
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { causes?: { reason?: string; message?: string }[]; retryAfterSeconds?: number };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  readonly type: WatchEventType;
  /** The object, or a Status for ERROR events. */
  readonly object: T | KubeStatus;
}

/** A resource type: core (`group` empty) or grouped (`apps`, `apiextensions.k8s.io`, a CRD's group). */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export const NAMESPACES: ResourceType = { group: '', version: 'v1', plural: 'namespaces', namespaced: false };
export const CONFIGMAPS: ResourceType = { group: '', version: 'v1', plural: 'configmaps', namespaced: true };
export const SECRETS: ResourceType = { group: '', version: 'v1', plural: 'secrets', namespaced: true };
export const CRDS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  namespaced: false,
};

/** The REST path of a resource type, a namespace's collection, or one object. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const scope = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${base}${scope}/${type.plural}${name ? `/${encodeURIComponent(name)}` : ''}`;
}

/** The API server answered with an error status. */
export class KubeApiError extends HarnessError {
  override readonly name: string = 'KubeApiError';
  readonly status: number;
  readonly reason: string | undefined;
  readonly body: string;
  constructor(method: string, path: string, status: number, body: string) {
    const parsed = parseStatus(body);
    super(
      `${method} ${path}: ${status} ${parsed?.reason ?? ''} ${parsed?.message ?? body.slice(0, 300)}`.trim(),
      {
        context: { method, path, status },
      },
    );
    this.status = status;
    this.reason = parsed?.reason;
    this.body = body;
  }
}

/** No HTTP answer at all (refused, reset, timed out): the API server is down or unreachable. */
export class KubeConnectionError extends HarnessError {
  override readonly name: string = 'KubeConnectionError';
  readonly code: string | undefined;
  constructor(method: string, path: string, cause: unknown) {
    const code = (cause as { code?: string }).code;
    super(`${method} ${path}: no answer from the API server (${code ?? (cause as Error).message})`, {
      cause,
      context: { method, path },
    });
    this.code = code;
  }
  override get retryable(): boolean {
    return true;
  }
}

export interface KubeResponse {
  readonly status: number;
  readonly text: string;
  readonly durationMs: number;
}

export interface KubeClientOptions {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly token: string;
  readonly caFile: string;
  /** Per request (default 30 s). */
  readonly timeoutMs?: number;
}

export interface WatchOptions {
  readonly resourceVersion?: string;
  readonly allowWatchBookmarks?: boolean;
  /** Server-side watch timeout. */
  readonly timeoutSeconds?: number;
  readonly labelSelector?: string;
  readonly signal?: AbortSignal;
}

/** How a watch stream ended. */
export interface WatchEnd {
  /** HTTP status of the watch request (200 for a stream that started). */
  readonly status: number;
  /** The Status body when the request itself was refused (non-200). */
  readonly refusal: KubeStatus | undefined;
  readonly events: number;
  /** `closed`: the server ended the stream; `aborted`: our signal; `error`: the connection failed. */
  readonly how: 'closed' | 'aborted' | 'error';
  readonly error: string | undefined;
}

export class KubeClient {
  readonly url: string;
  private readonly token: string;
  private readonly ca: Buffer;
  private readonly agent: Agent;
  private readonly timeoutMs: number;

  constructor(options: KubeClientOptions) {
    this.url = options.url;
    this.token = options.token;
    this.ca = readFileSync(options.caFile);
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.agent = new Agent({ keepAlive: true, ca: this.ca, maxSockets: 32 });
  }

  /** One request; resolves with any HTTP status, rejects with KubeConnectionError when nothing answered. */
  request(
    method: string,
    path: string,
    options: { body?: unknown; timeoutMs?: number; contentType?: string } = {},
  ): Promise<KubeResponse> {
    const started = performance.now();
    const target = new URL(path, this.url);
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve, reject) => {
      const req = request(
        target,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload !== undefined
              ? {
                  'content-type': options.contentType ?? 'application/json',
                  'content-length': Buffer.byteLength(payload),
                }
              : {}),
          },
          timeout: options.timeoutMs ?? this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              durationMs: performance.now() - started,
            }),
          );
          res.on('error', (error) => reject(new KubeConnectionError(method, path, error)));
        },
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })),
      );
      req.on('error', (error) => reject(new KubeConnectionError(method, path, error)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /**
   * A request whose non-2xx answer is a KubeApiError; returns the parsed JSON body. A 429 (e.g. "storage is
   * (re)initializing" while a new CRD's storage starts) is retried after its Retry-After, up to 10 times, as
   * client-go does; `request()` shows every status as it is.
   */
  async json<T>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.request(method, path, { body, contentType });
      if (response.status === 429 && attempt < 10) {
        const retryAfterSeconds = parseStatus(response.text)?.details?.retryAfterSeconds ?? 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfterSeconds, 5) * 1000));
        continue;
      }
      if (response.status < 200 || response.status >= 300)
        throw new KubeApiError(method, path, response.status, response.text);
      return JSON.parse(response.text) as T;
    }
  }

  get<T extends KubeObject>(type: ResourceType, name: string, namespace?: string): Promise<T> {
    return this.json<T>('GET', resourcePath(type, namespace, name));
  }

  /** The object, or undefined on 404. */
  async find<T extends KubeObject>(
    type: ResourceType,
    name: string,
    namespace?: string,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(type, name, namespace);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined;
      throw error;
    }
  }

  create<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.json<T>('POST', resourcePath(type, object.metadata.namespace), object);
  }

  /** PUT (the object's resourceVersion, if set, makes it a conditional update). */
  replace<T extends KubeObject>(type: ResourceType, object: T): Promise<T> {
    return this.json<T>('PUT', resourcePath(type, object.metadata.namespace, object.metadata.name), object);
  }

  /** JSON merge patch. */
  patch<T extends KubeObject>(
    type: ResourceType,
    name: string,
    patch: unknown,
    namespace?: string,
  ): Promise<T> {
    return this.json<T>('PATCH', resourcePath(type, namespace, name), patch, 'application/merge-patch+json');
  }

  async delete(type: ResourceType, name: string, namespace?: string): Promise<void> {
    await this.json('DELETE', resourcePath(type, namespace, name));
  }

  /** LIST across namespaces (or in one); `resourceVersion` as the API defines it ('' = a consistent read). */
  list<T extends KubeObject>(
    type: ResourceType,
    options: { namespace?: string; resourceVersion?: string; labelSelector?: string } = {},
  ): Promise<KubeList<T>> {
    const query = new URLSearchParams();
    if (options.resourceVersion !== undefined && options.resourceVersion !== '')
      query.set('resourceVersion', options.resourceVersion);
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    const suffix = query.size > 0 ? `?${query}` : '';
    return this.json<KubeList<T>>('GET', `${resourcePath(type, options.namespace)}${suffix}`);
  }

  /**
   * A watch: calls `onEvent` for every event as it arrives, resolves when the stream ends (server close, refusal,
   * connection error, or `signal`). Never rejects.
   */
  watch(type: ResourceType, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<WatchEnd> {
    const query = new URLSearchParams({ watch: '1' });
    if (options.resourceVersion !== undefined) query.set('resourceVersion', options.resourceVersion);
    if (options.allowWatchBookmarks) query.set('allowWatchBookmarks', 'true');
    if (options.timeoutSeconds !== undefined) query.set('timeoutSeconds', String(options.timeoutSeconds));
    if (options.labelSelector) query.set('labelSelector', options.labelSelector);
    const target = new URL(`${resourcePath(type)}?${query}`, this.url);
    return new Promise((resolve) => {
      let events = 0;
      let settled = false;
      let status = 0;
      const finish = (how: WatchEnd['how'], error?: string, refusal?: KubeStatus) => {
        if (settled) return;
        settled = true;
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ status, refusal, events, how, error });
      };
      const req = request(target, {
        method: 'GET',
        agent: false as unknown as Agent,
        ca: this.ca,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
      });
      const onAbort = () => {
        req.destroy();
        finish('aborted');
      };
      if (options.signal?.aborted) {
        finish('aborted');
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            finish(
              'closed',
              undefined,
              parseStatus(text) ?? { kind: 'Status', message: text.slice(0, 300), code: status },
            );
          });
          res.on('error', (error) => finish('error', error.message));
          return;
        }
        let pending = '';
        res.on('data', (chunk: Buffer) => {
          pending += chunk.toString('utf8');
          let newline = pending.indexOf('\n');
          while (newline !== -1) {
            const line = pending.slice(0, newline).trim();
            pending = pending.slice(newline + 1);
            if (line) {
              events++;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch (error) {
                finish('error', `bad watch event: ${(error as Error).message}`);
                req.destroy();
                return;
              }
            }
            newline = pending.indexOf('\n');
          }
        });
        res.on('end', () => finish('closed'));
        res.on('error', (error) => finish('error', error.message));
        res.on('aborted', () => finish('error', 'stream aborted'));
      });
      req.on('error', (error) =>
        finish(
          options.signal?.aborted ? 'aborted' : 'error',
          (error as { code?: string }).code ?? error.message,
        ),
      );
      req.end();
    });
  }

  /** `/readyz`, `/livez`, `/healthz` (with `?verbose` for the per-check list). */
  async health(path: '/readyz' | '/livez' | '/healthz', timeoutMs = 5_000): Promise<KubeResponse> {
    return this.request('GET', `${path}?verbose`, { timeoutMs });
  }

  /** The API server's Prometheus text. */
  async metrics(): Promise<string> {
    const response = await this.request('GET', '/metrics');
    if (response.status !== 200) throw new KubeApiError('GET', '/metrics', response.status, response.text);
    return response.text;
  }

  close(): void {
    this.agent.destroy();
  }
}

export function parseStatus(text: string): KubeStatus | undefined {
  try {
    const parsed = JSON.parse(text) as KubeStatus & { status?: string };
    // The API server's own timeout answer is a Status without `kind` (`{"status":"Failure","code":504,...}`).
    return parsed && (parsed.kind === 'Status' || parsed.status === 'Failure')
      ? { ...parsed, kind: 'Status' }
      : undefined;
  } catch {
    return undefined;
  }
}
