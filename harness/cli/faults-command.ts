// `etcd-chaos faults`: every fault with its parameters, default target, and whether this machine can run it.
import type { Command } from 'commander';
import { NetnsPlane } from '../cluster/network/netns.js';
import { LOOPBACK_ISOLATION_REASON } from '../cluster/network/plane.js';
import { ptraceAvailability } from '../faults/disk.js';
import { builtInFaults } from '../faults/registry.js';
import { TARGET_DESCRIPTION } from '../faults/targets.js';
import { describeParam } from '../params.js';
import { isRoot } from '../util/exec.js';
import { printJsonLine } from './output.js';

/** What the machine (not a particular cluster) allows, per fault kind; quota depends on the cluster's flags. */
async function machineRequirements(): Promise<Record<string, string | undefined>> {
  const ptrace = await ptraceAvailability();
  const netns = await NetnsPlane.unavailableReason();
  return {
    'disk-latency': ptrace.available ? undefined : ptrace.reason,
    isolate: netns ? `${netns}: ${LOOPBACK_ISOLATION_REASON}` : undefined,
    partition: netns ? `${netns}: ${LOOPBACK_ISOLATION_REASON}` : undefined,
    'quota-exhaustion': undefined,
    'disk-full': isRoot() ? undefined : 'size-limited data dirs are tmpfs mounts: root only',
  };
}

export function registerFaults(program: Command): void {
  program
    .command('faults')
    .description(
      'list the faults, their parameters and default targets, and whether this machine can inject them',
    )
    .option('--json', 'print one JSON line')
    .action(async (options: { json?: boolean }) => {
      const blockers = await machineRequirements();
      const faults = builtInFaults()
        .list()
        .map((fault) => ({
          name: fault.name,
          kind: fault.kind,
          description: fault.description,
          defaultTarget: fault.defaultTarget,
          params: Object.entries(fault.params).map(([name, spec]) => ({ name, ...spec })),
          availableHere: blockers[fault.name] === undefined,
          unavailableReason: blockers[fault.name],
        }));
      if (options.json) {
        printJsonLine({ faults, target: TARGET_DESCRIPTION });
        return;
      }
      for (const fault of faults) {
        process.stdout.write(
          `${fault.name} (${fault.kind}, default target: ${fault.defaultTarget})${fault.availableHere ? '' : '  [unavailable here]'}\n`,
        );
        process.stdout.write(`    ${fault.description}\n`);
        for (const param of Object.entries(builtInFaults().get(fault.name).params)) {
          process.stdout.write(`    - ${describeParam(param[0], param[1])}\n`);
        }
        if (fault.unavailableReason) process.stdout.write(`    ! ${fault.unavailableReason}\n`);
      }
      process.stdout.write(`\n${TARGET_DESCRIPTION}\n`);
      process.stdout.write(
        'quota-exhaustion also needs a cluster started with a small --quota-backend-bytes.\n',
      );
    });
}
