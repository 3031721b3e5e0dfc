// Free TCP ports on a host, and who holds a busy one (for a useful "port in use" error).
import { createServer } from 'node:net';
import { findOnPath, runCommand } from '../util/exec.js';

/** Asks the kernel for a free port on `host` (bind to 0), avoiding `exclude`. */
export async function freePort(
  host = '127.0.0.1',
  exclude: ReadonlySet<number> = new Set(),
): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await bindEphemeral(host);
    if (!exclude.has(port)) return port;
  }
  throw new Error(`no free port found on ${host}`);
}

/** True when `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Best-effort description of the process listening on `port` (`etcd (pid 1234)`), from `ss`. */
export async function portHolder(port: number): Promise<string | undefined> {
  const ss = await findOnPath('ss');
  if (!ss) return undefined;
  const { stdout } = await runCommand(ss, ['-ltnpH', `sport = :${port}`], { allowFailure: true });
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(stdout);
  if (match) return `${match[1]} (pid ${match[2]})`;
  return stdout.trim() ? 'another process' : undefined;
}

function bindEphemeral(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
