// The built-in faults, by name: the one place they are listed (no registration by import side effect).
import { InputError } from '../errors.js';
import type { ParamSpecs } from '../params.js';
import { diskFull, diskLatency } from './disk.js';
import {
  isolate,
  networkBandwidth,
  networkBlackhole,
  networkLatency,
  networkReset,
  partition,
} from './network.js';
import { killMember, pauseMember, restartMember, terminateMember } from './node.js';
import { quotaExhaustion } from './quota.js';
import type { Fault } from './types.js';

export class FaultRegistry {
  private readonly byName: ReadonlyMap<string, Fault<ParamSpecs>>;

  constructor(faults: readonly Fault<ParamSpecs>[]) {
    this.byName = new Map(faults.map((fault) => [fault.name, fault]));
  }

  get(name: string): Fault<ParamSpecs> {
    const fault = this.byName.get(name);
    if (!fault) {
      throw new InputError(`Unknown fault \`${name}\`.`, {
        hint: `Known faults: ${[...this.byName.keys()].join(', ')} (etcd-chaos faults lists them).`,
      });
    }
    return fault;
  }

  list(): Fault<ParamSpecs>[] {
    return [...this.byName.values()];
  }

  /** A registry with extra faults (user scenarios may bring their own). */
  with(...faults: readonly Fault<ParamSpecs>[]): FaultRegistry {
    return new FaultRegistry([...this.list(), ...faults]);
  }
}

export function builtInFaults(): FaultRegistry {
  return new FaultRegistry([
    networkLatency,
    networkBandwidth,
    networkBlackhole,
    networkReset,
    isolate,
    partition,
    diskLatency,
    diskFull,
    killMember,
    terminateMember,
    pauseMember,
    restartMember,
    quotaExhaustion,
  ]);
}
