// A train of short fault windows on whoever matches the target at each spike (e.g. "a 2 s fsync stall on the
// current leader every 4 s"): how disk I/O spikes look to etcd, as opposed to a steady delay.

import { sleep } from '../util/wait.js';
import type { FaultRunner, FaultWindow } from './runner.js';
import type { TargetSelector } from './targets.js';

export interface RunSpikeTrainOptions {
  readonly fault: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly target: TargetSelector;
  /** How long each spike lasts. */
  readonly spikeMs: number;
  /** Time from one spike's start to the next's. */
  readonly intervalMs: number;
  readonly count: number;
  readonly signal?: AbortSignal;
}

export interface SpikeTrainResult {
  readonly windows: readonly FaultWindow[];
  readonly startedAt: number;
  readonly endedAt: number;
}

export async function runSpikeTrain(
  runner: FaultRunner,
  options: RunSpikeTrainOptions,
): Promise<SpikeTrainResult> {
  const windows: FaultWindow[] = [];
  const startedAt = Date.now();
  for (let index = 0; index < options.count; index++) {
    options.signal?.throwIfAborted();
    const spikeStart = Date.now();
    // No health requirement: the previous spike may still be settling (that is the point of a train).
    const fault = await runner.inject(options.fault, options.params, {
      target: options.target,
      requireHealthy: false,
    });
    await sleep(Math.max(0, options.spikeMs - (Date.now() - spikeStart)), options.signal);
    await fault.heal();
    windows.push(fault.window);
    const rest = options.intervalMs - (Date.now() - spikeStart);
    if (rest > 0 && index < options.count - 1) await sleep(rest, options.signal);
  }
  return { windows, startedAt, endedAt: Date.now() };
}
