// The fault contract: a named, parameterised, targeted fault that says whether it can run here and returns a handle
// to heal it. The runner (not the fault) records windows, checks health and heals at teardown.
import type { StartedCluster } from '../cluster/types.js';
import type { ParamSpecs, ParsedParams } from '../params.js';
import type { TargetSelector } from './targets.js';

export type FaultKind = 'network' | 'disk' | 'node' | 'quota';

export type Availability =
  | { readonly available: true }
  | { readonly available: false; readonly reason: string };

export interface FaultContext {
  readonly cluster: StartedCluster;
  readonly signal?: AbortSignal;
}

/** What `inject` returns: heal undoes the fault (idempotent); details go into the fault window (e.g. strace pid). */
export interface FaultHandle {
  heal(): Promise<void>;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface Fault<S extends ParamSpecs = ParamSpecs> {
  readonly name: string;
  readonly kind: FaultKind;
  readonly description: string;
  /** Typed parameters with defaults; `target` is common to all faults and not listed here. */
  readonly params: S;
  /** Whom the fault hits when no target is given (`leader`, `follower`, `minority`, ...). */
  readonly defaultTarget: TargetSelector;
  /** What the fault needs from the machine or cluster (ptrace, network namespaces), checked before injecting. */
  available(context: FaultContext, params: ParsedParams<S>): Promise<Availability>;
  /** Applies the fault to the resolved target members. */
  inject(context: FaultContext, params: ParsedParams<S>, targets: readonly string[]): Promise<FaultHandle>;
}

/** Helper so each fault module can declare its parameter types once, inferred from its specs. */
export function defineFault<S extends ParamSpecs>(fault: Fault<S>): Fault<S> {
  return fault;
}
