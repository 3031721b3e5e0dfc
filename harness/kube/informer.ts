// An informer-style client, recording what it sees: LIST, then WATCH from the list's resourceVersion, resuming from
// the last resourceVersion it saw, as client-go's reflector does. A watch that cannot connect is retried from the same
// resourceVersion (the API server is down); a watch ended by the server is re-opened from it; a 410 Gone ("too old
// resource version") or a refused watch forces a relist, first from the last resourceVersion, then, if that is
// refused too (expired or "too large"), a consistent one (resourceVersion ""). Its cache and every event, relist and
// error are kept for the checks (harness/checks/kube-watch.ts).
import { createHash } from 'node:crypto';
import { describeError } from '../errors.js';
import {
  KubeApiError,
  type KubeClient,
  KubeConnectionError,
  type KubeObject,
  type KubeStatus,
  type ResourceType,
  type WatchEvent,
} from './client.js';

export interface InformerEventRecord {
  readonly at: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly key: string;
  readonly resourceVersion: string;
}

export interface InformerRelistRecord {
  readonly at: number;
  /** The resourceVersion the LIST asked for ('' = consistent read). */
  readonly requested: string;
  /** The list's resourceVersion. */
  readonly listed: string;
  readonly items: number;
  readonly reason: string;
}

export interface InformerErrorRecord {
  readonly at: number;
  readonly during: 'list' | 'watch';
  /** HTTP status (0 when nothing answered). */
  readonly status: number;
  readonly reason: string | undefined;
  readonly message: string;
}

/** An event whose resourceVersion is below the highest one the informer had seen. */
export interface BackwardsRecord {
  readonly at: number;
  readonly key: string | undefined;
  readonly resourceVersion: string;
  readonly previousMax: string;
  readonly via: 'event' | 'list';
}

export interface CachedObject {
  readonly resourceVersion: string;
  /** SHA-256 of the object's data-bearing fields (not metadata). */
  readonly digest: string;
}

export interface InformerRecord {
  readonly name: string;
  readonly events: readonly InformerEventRecord[];
  readonly relists: readonly InformerRelistRecord[];
  readonly errors: readonly InformerErrorRecord[];
  readonly backwards: readonly BackwardsRecord[];
  readonly lastResourceVersion: string;
  readonly cache: Readonly<Record<string, CachedObject>>;
}

export interface InformerOptions {
  readonly name: string;
  readonly labelSelector?: string;
  /** Pause between attempts while the API server does not answer (default 200 ms). */
  readonly retryMs?: number;
}

export function objectKey(object: KubeObject): string {
  return object.metadata.namespace
    ? `${object.metadata.namespace}/${object.metadata.name}`
    : object.metadata.name;
}

/** Digest of what an object holds (everything but metadata/status bookkeeping), to compare caches with the server. */
export function objectDigest(object: KubeObject): string {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...content } = object;
  return createHash('sha256').update(stableJson(content)).digest('hex').slice(0, 16);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function rvNumber(resourceVersion: string): bigint | undefined {
  return /^\d+$/.test(resourceVersion) ? BigInt(resourceVersion) : undefined;
}

export class Informer {
  readonly name: string;
  private readonly events: InformerEventRecord[] = [];
  private readonly relists: InformerRelistRecord[] = [];
  private readonly errors: InformerErrorRecord[] = [];
  private readonly backwards: BackwardsRecord[] = [];
  private readonly cache = new Map<string, CachedObject>();
  private lastResourceVersion = '';
  private maxSeen: bigint = 0n;
  private needList = true;
  private listFrom = '';
  private listReason = 'initial list';
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private readonly listeners = new Set<() => void>();

  private constructor(
    private readonly client: KubeClient,
    private readonly type: ResourceType,
    private readonly options: InformerOptions,
  ) {
    this.name = options.name;
  }

  /** Starts listing and watching; resolves after the first successful LIST. */
  static async start(client: KubeClient, type: ResourceType, options: InformerOptions): Promise<Informer> {
    const informer = new Informer(client, type, options);
    informer.resume();
    await informer.waitFor(() => informer.relists.length > 0, 60_000);
    return informer;
  }

  /** Stops watching (as a client that lost its connection for a while); `resume()` continues from where it was. */
  async pause(): Promise<void> {
    this.controller?.abort();
    await this.running;
    this.running = undefined;
  }

  /** Continues: a watch from the last resourceVersion (or the pending relist). */
  resume(): void {
    if (this.running) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.loop(controller.signal);
  }

  async stop(): Promise<InformerRecord> {
    await this.pause();
    return this.record();
  }

  record(): InformerRecord {
    return {
      name: this.name,
      events: [...this.events],
      relists: [...this.relists],
      errors: [...this.errors],
      backwards: [...this.backwards],
      lastResourceVersion: this.lastResourceVersion,
      cache: Object.fromEntries(this.cache),
    };
  }

  get resourceVersion(): string {
    return this.lastResourceVersion;
  }

  has(key: string): boolean {
    return this.cache.has(key);
  }

  /** Resolves when `predicate` holds (checked after every change), false at the timeout. */
  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        resolve(false);
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private async loop(signal: AbortSignal): Promise<void> {
    const retryMs = this.options.retryMs ?? 200;
    while (!signal.aborted) {
      if (this.needList) {
        const listed = await this.list(signal);
        if (!listed) {
          await sleep(retryMs, signal);
          continue;
        }
      }
      const end = await this.client.watch(
        this.type,
        {
          resourceVersion: this.lastResourceVersion,
          allowWatchBookmarks: true,
          labelSelector: this.options.labelSelector,
          signal,
        },
        (event) => this.onEvent(event),
      );
      if (signal.aborted) break;
      if (end.how === 'error') {
        // Nothing answered (refused, reset): the reflector retries the watch from the same resourceVersion.
        this.errors.push({
          at: Date.now(),
          during: 'watch',
          status: 0,
          reason: undefined,
          message: end.error ?? 'error',
        });
        await sleep(retryMs, signal);
        continue;
      }
      if (end.refusal) {
        this.errors.push({
          at: Date.now(),
          during: 'watch',
          status: end.status,
          reason: end.refusal.reason,
          message: end.refusal.message ?? '',
        });
        if (end.status === 429 || end.status === 503) {
          await sleep(retryMs, signal);
          continue;
        }
        this.requestList(
          this.lastResourceVersion,
          `watch refused: ${end.status} ${end.refusal.reason ?? ''}`.trim(),
        );
        await sleep(retryMs, signal);
      } else if (end.events === 0) {
        // Closed without a word (a server shutting down): no tight loop of re-watches.
        await sleep(retryMs, signal);
      }
      this.changed();
    }
  }

  private requestList(from: string, reason: string): void {
    if (this.needList) return;
    this.needList = true;
    this.listFrom = from;
    this.listReason = reason;
  }

  private async list(signal: AbortSignal): Promise<boolean> {
    try {
      const list = await this.client.list(this.type, {
        resourceVersion: this.listFrom,
        labelSelector: this.options.labelSelector,
      });
      if (signal.aborted) return false;
      const listed = list.metadata.resourceVersion ?? '';
      const number = rvNumber(listed);
      if (number !== undefined && number < this.maxSeen)
        this.backwards.push({
          at: Date.now(),
          key: undefined,
          resourceVersion: listed,
          previousMax: this.maxSeen.toString(),
          via: 'list',
        });
      this.cache.clear();
      for (const item of list.items)
        this.cache.set(objectKey(item), {
          resourceVersion: item.metadata.resourceVersion ?? '',
          digest: objectDigest(item),
        });
      this.relists.push({
        at: Date.now(),
        requested: this.listFrom,
        listed,
        items: list.items.length,
        reason: this.listReason,
      });
      this.lastResourceVersion = listed;
      if (number !== undefined && number > this.maxSeen) this.maxSeen = number;
      this.needList = false;
      this.changed();
      return true;
    } catch (error) {
      if (error instanceof KubeApiError) {
        this.errors.push({
          at: Date.now(),
          during: 'list',
          status: error.status,
          reason: error.reason,
          message: error.message,
        });
        // Expired or "too large resource version": the reflector falls back to a consistent LIST.
        if (this.listFrom !== '') {
          this.listReason =
            `${this.listReason}; list from ${this.listFrom} refused (${error.status} ${error.reason ?? ''})`.trim();
          this.listFrom = '';
        }
      } else {
        this.errors.push({
          at: Date.now(),
          during: 'list',
          status: 0,
          reason: undefined,
          message:
            error instanceof KubeConnectionError ? (error.code ?? error.message) : describeError(error),
        });
      }
      return false;
    }
  }

  private onEvent(event: WatchEvent): void {
    if (event.type === 'ERROR') {
      const status = event.object as KubeStatus;
      this.errors.push({
        at: Date.now(),
        during: 'watch',
        status: status.code ?? 0,
        reason: status.reason,
        message: status.message ?? '',
      });
      this.requestList(
        this.lastResourceVersion,
        `watch ERROR event: ${status.code ?? ''} ${status.reason ?? ''}`.trim(),
      );
      // The server closes the stream after an ERROR event; the loop relists.
      return;
    }
    const object = event.object as KubeObject;
    const resourceVersion = object.metadata.resourceVersion ?? '';
    if (event.type === 'BOOKMARK') {
      this.lastResourceVersion = resourceVersion;
      return;
    }
    const key = objectKey(object);
    const number = rvNumber(resourceVersion);
    if (number !== undefined) {
      if (number < this.maxSeen)
        this.backwards.push({
          at: Date.now(),
          key,
          resourceVersion,
          previousMax: this.maxSeen.toString(),
          via: 'event',
        });
      else this.maxSeen = number;
    }
    this.events.push({ at: Date.now(), type: event.type, key, resourceVersion });
    if (event.type === 'DELETED') this.cache.delete(key);
    else this.cache.set(key, { resourceVersion, digest: objectDigest(object) });
    this.lastResourceVersion = resourceVersion;
    this.changed();
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
