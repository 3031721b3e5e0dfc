#!/usr/bin/env node
// The etcd-chaos command line, and the composition root: the only module of the library that knows the built-in
// scenarios (scenarios/); it hands them to the commands, runs one command, and turns every outcome into an exit code.
import downgradeRehearsal from '../scenarios/downgrade-rehearsal.js';
import { BUILT_IN_SCENARIOS } from '../scenarios/index.js';
import upgradeRehearsal from '../scenarios/upgrade-rehearsal.js';
import type { GlobalOptions } from './cli/global-options.js';
import { EXIT, reportError } from './cli/output.js';
import { buildProgram } from './cli/program.js';
import { exitCodeForSignal, watchTermination } from './cli/signals.js';
import { enableVerboseLogging } from './log.js';
import type { ScenarioDefinition } from './scenario/types.js';

async function main(argv: readonly string[]): Promise<number> {
  const termination = watchTermination();
  let verbose = false;
  const globals = (): GlobalOptions => ({ verbose, signal: termination.signal, termination });
  const program = buildProgram(
    {
      scenarios: BUILT_IN_SCENARIOS,
      rehearsals: {
        upgrade: upgradeRehearsal as ScenarioDefinition,
        downgrade: downgradeRehearsal as ScenarioDefinition,
      },
    },
    globals,
  );
  program.hook('preAction', () => {
    verbose = Boolean(program.opts().verbose);
    if (verbose) enableVerboseLogging();
  });
  try {
    // A command decides what a signal means for it: `up` ends normally on Ctrl-C (exit 0); `run` and
    // `rehearse-upgrade` record the interruption and exit 130/143 with what did not run listed.
    await program.parseAsync(argv, { from: 'node' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    // A command cut short by a signal (provisioning, a benchmark, ...): never green.
    const interrupted = termination.received();
    if (interrupted) {
      process.stderr.write(`etcd-chaos: interrupted by ${interrupted.signal}\n`);
      return exitCodeForSignal(interrupted.signal);
    }
    return reportError(error, { verbose });
  } finally {
    termination.dispose();
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(reportError(error, { verbose: true })),
);
