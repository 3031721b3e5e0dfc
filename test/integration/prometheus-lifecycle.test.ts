// Nothing left behind by Prometheus: stopped with its scenario, stopped by the session's cleanup when a scenario
// failed before stopping it, and reaped by `etcd-chaos cleanup` after the harness was SIGKILLed.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startMonitor } from '../../harness/alerting/monitor.js';
import { Session } from '../../harness/session.js';
import { runCli } from '../helpers/cli.js';
import { isAlive } from '../helpers/proc.js';

const DIST = join(import.meta.dirname, '..', '..', 'dist', 'harness', 'alerting', 'monitor.js');
const SESSION = join(import.meta.dirname, '..', '..', 'dist', 'harness', 'session.js');

describe('Prometheus lifecycle', () => {
  it('runs on loopback under the run temp dir, answers its API, and is gone after stop()', async () => {
    await using session = await Session.open();
    const monitor = await startMonitor(session, { set: 'guide', timeFactor: 20 });
    expect(monitor.server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(monitor.server.dir.startsWith(session.workDir)).toBe(true);
    const { data } = await monitor.server.api.rules();
    expect(data.groups.flatMap((group) => group.rules.map((rule) => rule.name))).toContain(
      'etcdGuideWalFsyncSlow',
    );
    expect(isAlive(monitor.server.pid)).toBe(true);
    await monitor.stop();
    expect(isAlive(monitor.server.pid)).toBe(false);
  });

  it("is stopped by the session's cleanup when the scenario never stopped it", async () => {
    const session = await Session.open();
    const monitor = await startMonitor(session, { set: 'guide' });
    await monitor.watch.stop();
    await session.close();
    expect(isAlive(monitor.server.pid)).toBe(false);
    expect(existsSync(monitor.server.dir)).toBe(false);
  });

  it('is reaped by `etcd-chaos cleanup` after the harness is SIGKILLed (no parent-death signal)', async () => {
    const script = [
      `const { Session } = await import(${JSON.stringify(SESSION)});`,
      `const { startMonitor } = await import(${JSON.stringify(DIST)});`,
      'const session = await Session.open();',
      "const monitor = await startMonitor(session, { set: 'guide' });",
      "process.stdout.write(String(monitor.server.pid) + ' ' + monitor.server.dir + '\\n');",
      'setInterval(() => {}, 1000);',
    ].join('\n');
    // Without the parent-death signal only the run journal can find it again.
    const env = { ...process.env, ETCD_CHAOS_NO_PDEATHSIG: '1' };
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.once('exit', (code) => reject(new Error(`harness exited (${code}) before starting Prometheus`)));
    });
    const [pidText, dir] = line.split(' ');
    const pid = Number(pidText);
    expect(isAlive(pid)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(isAlive(pid), 'Prometheus survives its harness without pdeathsig').toBe(true);
    const cleanup = runCli(['cleanup'], { ETCD_CHAOS_NO_PDEATHSIG: '1' });
    expect(cleanup.code, cleanup.stderr).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dir ?? '')).toBe(false);
  });
});
