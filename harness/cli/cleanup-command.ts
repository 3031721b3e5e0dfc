// `etcd-chaos cleanup`: reaps processes, temp dirs and network namespaces left by killed runs.
import type { Command } from 'commander';
import { reapOrphans } from '../runstate/reaper.js';
import { printJsonLine } from './output.js';

export function registerCleanup(program: Command): void {
  program
    .command('cleanup')
    .description(
      'remove what killed runs left behind (processes, temp dirs, network namespaces, docker containers/networks/volumes); live runs are left alone',
    )
    .option('--json', 'print the report as one JSON line')
    .action(async (options: { json?: boolean }) => {
      const report = await reapOrphans();
      if (options.json) {
        printJsonLine(report);
        return;
      }
      const { docker } = report;
      const dockerObjects = docker.containers + docker.networks + docker.volumes;
      if (dockerObjects > 0 || docker.errors.length > 0) {
        process.stdout.write(
          `docker: removed ${docker.containers} container(s), ${docker.networks} network(s), ${docker.volumes} volume(s) of ${docker.runs.length} dead run(s)\n`,
        );
        for (const error of docker.errors) process.stdout.write(`  ! ${error}\n`);
        if (docker.errors.length > 0) process.exitCode = 2;
      }
      if (report.reaped.length === 0) {
        if (dockerObjects > 0) return;
        process.stdout.write(
          `Nothing to clean up${report.live.length ? ` (${report.live.length} live run(s) left alone)` : ''}.\n`,
        );
        return;
      }
      for (const run of report.reaped) {
        process.stdout.write(
          `run ${run.runId} (owner pid ${run.ownerPid ?? '?'}, gone): killed ${run.processes} process(es), removed ${run.dirs} dir(s), ${run.networkObjects} network object(s)${run.other ? `, ${run.other} other object(s)` : ''}\n`,
        );
        for (const error of run.errors) process.stdout.write(`  ! ${error}\n`);
      }
      if (report.live.length) process.stdout.write(`${report.live.length} live run(s) left alone.\n`);
      if (report.reaped.some((run) => run.errors.length > 0)) process.exitCode = 2;
    });
}
