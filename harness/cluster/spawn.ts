// Spawning helpers: every long-lived child gets a parent-death signal (util-linux `setpriv --pdeathsig`), so a
// harness killed with SIGKILL takes its etcd and Toxiproxy processes with it; the run journal reaps the rest.
import { existsSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((path) => existsSync(path));

/** Wraps `file args` so the kernel SIGKILLs it when the harness dies (when setpriv exists and it is not disabled). */
export function withParentDeathSignal(file: string, args: readonly string[]): [string, string[]] {
  if (!SETPRIV || process.env.ETCD_CHAOS_NO_PDEATHSIG === '1') return [file, [...args]];
  return [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...args]];
}
