// Injects faults by name with typed parameters, records each as a window on the timeline (fault, params, targets,
// start, end), checks health before and after, and heals everything at teardown, even after an error.
import type { StartedCluster } from '../cluster/types.js';
import { describeError, UnsupportedError } from '../errors.js';
import { logger } from '../log.js';
import { parseParams } from '../params.js';
import { builtInFaults, type FaultRegistry } from './registry.js';
import { parseTarget, resolveTargets, type TargetSelector } from './targets.js';
import type { Availability, FaultHandle, FaultKind } from './types.js';

const log = logger('fault');

export interface FaultWindow {
  readonly id: number;
  readonly fault: string;
  readonly kind: FaultKind;
  readonly params: Readonly<Record<string, unknown>>;
  readonly target: TargetSelector;
  readonly targets: readonly string[];
  /** Epoch ms when injection began. */
  readonly startedAt: number;
  /** Epoch ms when the fault was fully in place. */
  readonly injectedAt: number;
  /** Epoch ms when healing finished (absent while active). */
  endedAt?: number;
  /** Epoch ms when the cluster was healthy again after healing. */
  recoveredAt?: number;
  readonly details?: Readonly<Record<string, unknown>>;
  healError?: string;
}

export interface ActiveFault {
  readonly window: FaultWindow;
  heal(): Promise<void>;
}

export interface FaultRunnerOptions {
  readonly registry?: FaultRegistry;
  /** Wait for the running members to be healthy before injecting (default true). */
  readonly requireHealthy?: boolean;
  /** Wait for every member to be healthy after healing (default true). */
  readonly waitHealthyAfterHeal?: boolean;
  readonly healthTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface InjectOptions {
  /** Members to hit (`leader`, `follower`, `m2`, ...); default: the fault's own default target. */
  readonly target?: TargetSelector;
  readonly requireHealthy?: boolean;
}

export class FaultRunner implements AsyncDisposable {
  private readonly registry: FaultRegistry;
  private readonly recorded: FaultWindow[] = [];
  private readonly active = new Map<number, { window: FaultWindow; handle: FaultHandle }>();
  private nextId = 1;

  constructor(
    private readonly cluster: StartedCluster,
    private readonly options: FaultRunnerOptions = {},
  ) {
    this.registry = options.registry ?? builtInFaults();
    // Safety net: whatever is still injected when the run ends gets healed before the cluster is torn down.
    cluster.session.defer('active faults', () => this.healAll({ quiet: true }));
  }

  async available(name: string, params: Record<string, unknown> = {}): Promise<Availability> {
    const fault = this.registry.get(name);
    return fault.available(
      { cluster: this.cluster, signal: this.options.signal },
      parseParams(name, fault.params, params),
    );
  }

  async inject(
    name: string,
    params: Record<string, unknown> = {},
    options: InjectOptions = {},
  ): Promise<ActiveFault> {
    const fault = this.registry.get(name);
    const parsed = parseParams(name, fault.params, params);
    const target = parseTarget(options.target ?? params.target ?? fault.defaultTarget);
    const context = { cluster: this.cluster, signal: this.options.signal };
    const availability = await fault.available(context, parsed);
    if (!availability.available) {
      throw new UnsupportedError(`Fault \`${name}\` is not available here: ${availability.reason}.`);
    }
    if (options.requireHealthy ?? this.options.requireHealthy ?? true) {
      const running = this.cluster.members
        .filter((member) => member.state === 'running')
        .map((member) => member.name);
      await this.cluster.waitHealthy({
        members: running,
        timeoutMs: this.options.healthTimeoutMs ?? 30_000,
        signal: this.options.signal,
      });
    }
    const targets = await resolveTargets(this.cluster, target);
    const startedAt = Date.now();
    const handle = await fault.inject(context, parsed, targets);
    const window: FaultWindow = {
      id: this.nextId++,
      fault: name,
      kind: fault.kind,
      params: parsed,
      target,
      targets,
      startedAt,
      injectedAt: Date.now(),
      endedAt: undefined,
      recoveredAt: undefined,
      details: handle.details,
      healError: undefined,
    };
    this.recorded.push(window);
    this.active.set(window.id, { window, handle });
    log('injected %o', { fault: name, targets, params: parsed, injectMs: window.injectedAt - startedAt });
    return { window, heal: () => this.heal(window.id) };
  }

  /** Injects, runs `body`, and heals whatever happens in `body`. */
  async during<T>(
    name: string,
    params: Record<string, unknown>,
    body: (fault: ActiveFault) => Promise<T>,
    options: InjectOptions = {},
  ): Promise<T> {
    const fault = await this.inject(name, params, options);
    try {
      return await body(fault);
    } finally {
      await fault.heal();
    }
  }

  windows(): readonly FaultWindow[] {
    return this.recorded;
  }

  async healAll(options: { quiet?: boolean } = {}): Promise<void> {
    for (const id of [...this.active.keys()].reverse()) {
      try {
        await this.heal(id);
      } catch (error) {
        if (!options.quiet) throw error;
        log('healing fault %d at teardown failed: %s', id, describeError(error));
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.healAll({ quiet: true });
  }

  private async heal(id: number): Promise<void> {
    const entry = this.active.get(id);
    if (!entry) return;
    this.active.delete(id);
    const { window, handle } = entry;
    try {
      await handle.heal();
    } catch (error) {
      window.healError = describeError(error);
      window.endedAt = Date.now();
      throw error;
    }
    window.endedAt = Date.now();
    if (this.options.waitHealthyAfterHeal ?? true) {
      try {
        await this.cluster.waitHealthy({
          timeoutMs: this.options.healthTimeoutMs ?? 30_000,
          signal: this.options.signal,
        });
        window.recoveredAt = Date.now();
      } catch (error) {
        window.healError = `healed, but the cluster did not become healthy: ${describeError(error)}`;
      }
    }
    log('healed %o', {
      fault: window.fault,
      targets: window.targets,
      activeMs: window.endedAt - window.injectedAt,
    });
  }
}
