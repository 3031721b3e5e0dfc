// Proves a set of binaries runs and is the release it claims to be, by running each tool's version command.
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryError, describeError } from '../errors.js';
import { runCommand } from '../util/exec.js';
import type { EtcdVersion } from '../versions/version.js';
import { versionFromToolOutput } from '../versions/version.js';

export type EtcdTool = 'etcd' | 'etcdctl' | 'etcdutl';

const VERSION_ARGS: Record<EtcdTool, readonly string[]> = {
  etcd: ['--version'],
  etcdctl: ['version'],
  etcdutl: ['version'],
};

export function toolsOf(version: EtcdVersion): EtcdTool[] {
  return version.line === '3.4' ? ['etcd', 'etcdctl'] : ['etcd', 'etcdctl', 'etcdutl'];
}

/** Runs each tool in `dir` and checks that it reports `version`. */
export async function verifyEtcdTools(dir: string, version: EtcdVersion): Promise<void> {
  await Promise.all(
    toolsOf(version).map(async (tool) => {
      const path = join(dir, tool);
      try {
        await access(path, constants.X_OK);
      } catch (error) {
        throw new BinaryError(`${path} is missing or not executable.`, {
          cause: error,
          context: { tool, version: String(version) },
        });
      }
      let output: string;
      try {
        const result = await runCommand(path, VERSION_ARGS[tool], {
          timeoutMs: 15_000,
        });
        output = `${result.stdout}\n${result.stderr}`;
      } catch (error) {
        throw new BinaryError(`${path} does not run: ${describeError(error)}`, { cause: error });
      }
      const reported = versionFromToolOutput(output);
      if (!reported?.equals(version)) {
        throw new BinaryError(`${path} reports version ${reported ?? '(none)'}, expected ${version}.`, {
          context: { tool, output: output.slice(0, 300) },
        });
      }
    }),
  );
}

/** Runs `toxiproxy-server --version` and returns what it reports. */
export async function toxiproxyVersionOf(path: string): Promise<string> {
  const { stdout, stderr } = await runCommand(path, ['--version'], { timeoutMs: 15_000 });
  const match = /version\s+v?(\S+)/i.exec(`${stdout}\n${stderr}`);
  if (!match?.[1]) throw new BinaryError(`${path} --version printed no version.`);
  return match[1];
}
