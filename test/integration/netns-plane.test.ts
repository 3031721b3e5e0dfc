// The netns plane reuses the addresses of released members once its /24 runs out: a `run --repeat 5` of the quick
// suite starts ~250 members in one run (it ran out at the 4th repetition before, every later scenario an error).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetnsPlane } from '../../harness/cluster/network/netns.js';
import type { MemberNetwork } from '../../harness/cluster/network/plane.js';
import { RunJournal } from '../../harness/runstate/journal.js';
import { isRoot } from '../helpers/proc.js';

/** Listens on `network`'s address inside its namespace; resolves once a host-side connection is accepted. */
async function reachable(network: MemberNetwork): Promise<boolean> {
  const script = `require('net').createServer((s)=>{s.end('ok');process.exit(0)}).listen(2379,'${network.host}',()=>console.log('up'))`;
  const argv = network.wrapCommand([process.execPath, '-e', script]);
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`listener exited ${code}`)));
    });
    return await new Promise<boolean>((resolve) => {
      const socket = connect(2379, network.host);
      socket.setTimeout(3_000, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('data', (data) => resolve(data.toString() === 'ok'));
      socket.once('error', () => resolve(false));
    });
  } finally {
    child.kill('SIGKILL');
  }
}

describe.runIf(isRoot)('netns plane', () => {
  let plane: NetnsPlane | undefined;
  let journal: RunJournal | undefined;
  afterEach(async () => {
    await plane?.dispose();
    journal?.close();
  });

  it("reuses a released member's address when the /24 is used up, and the new member is reachable on it", async () => {
    const shortId = Math.random().toString(16).slice(2, 8);
    journal = RunJournal.open(`netns-test-${shortId}`);
    plane = await NetnsPlane.create(shortId, journal, { lastHost: 12 });
    const first = await plane.attachMember('m1');
    const second = await plane.attachMember('m2');
    await expect(plane.attachMember('m3')).rejects.toThrow(/member addresses of this run's \/24 are in use/);
    expect(await reachable(first)).toBe(true); // the host learns first's MAC now
    await first.release();
    const third = await plane.attachMember('m3');
    expect(third.host).toBe(first.host);
    expect(await reachable(third)).toBe(true);
    expect(await reachable(second)).toBe(true);
  });

  // An interrupted `run` (SIGINT while a cluster starts) closed its session with an attach in flight: the namespace
  // being made was left behind by every such run (3 of 3 runs of run-command's SIGINT/SIGTERM tests left one).
  it('dispose waits for an attach in flight, deletes its namespace, and refuses attaches after it', async () => {
    const shortId = Math.random().toString(16).slice(2, 8);
    journal = RunJournal.open(`netns-test-${shortId}`);
    plane = await NetnsPlane.create(shortId, journal);
    const inFlight = plane.attachMember('m1');
    await plane.dispose();
    const network = await inFlight;
    expect(network.namespace).toBeDefined();
    expect(existsSync(`/run/netns/${network.namespace}`)).toBe(false);
    await expect(plane.attachMember('m2')).rejects.toThrow(/the run is closing/);
  });
});
