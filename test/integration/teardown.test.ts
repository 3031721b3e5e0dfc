// Nothing left behind: after teardown, after a failed start, by pid and by path.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcessMember } from '../../harness/cluster/process/process-member.js';
import { ClusterSpec } from '../../harness/cluster/spec.js';
import { MemberStartError } from '../../harness/errors.js';
import { journalsDir } from '../../harness/runstate/journal.js';
import { Session } from '../../harness/session.js';
import { isAlive, linkExists, netnsList } from '../helpers/proc.js';

function journals(): string[] {
  const dir = journalsDir();
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('teardown', () => {
  it('kills every member and the Toxiproxy server, removes temp dirs, namespaces and the journal', async () => {
    const session = await Session.open();
    const cluster = await ClusterSpec.etcd('default').withTls().start({ session });
    const pids = [...cluster.members.map((member) => member.pid), cluster.toxiproxy.pid];
    const namespaces = cluster.members
      .map((member) => (member as ProcessMember).namespace)
      .filter((name): name is string => Boolean(name));
    const journal = `${session.runId}.jsonl`;
    expect(pids.every(isAlive)).toBe(true);
    expect(existsSync(session.workDir)).toBe(true);
    expect(journals()).toContain(journal);

    await cluster.dispose();
    await session.close();

    for (const pid of pids) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    expect(existsSync(session.workDir)).toBe(false);
    expect(existsSync(cluster.dir)).toBe(false);
    const remaining = netnsList();
    for (const namespace of namespaces) expect(remaining).not.toContain(namespace);
    expect(linkExists(`ec${session.shortId}`)).toBe(false);
    expect(journals()).not.toContain(journal);
  });

  it("keeps a stopped cluster's data dirs until remove(), for inspection", async () => {
    await using session = await Session.open();
    const cluster = await ClusterSpec.etcd('default').start({ session });
    await cluster.client().put('/kept').value('1');
    const stopped = await cluster.stop({ graceful: true });
    expect(stopped.members.every((member) => existsSync(join(member.dataDir, 'member')))).toBe(true);
    expect(
      stopped.members.every((member) => member.exit?.code === 0 || member.exit?.signal === 'SIGTERM'),
    ).toBe(true);
    await stopped.remove();
    expect(existsSync(stopped.dir)).toBe(false);
  });

  it('leaves nothing behind when etcd refuses to start, and shows the tail of its log', async () => {
    const session = await Session.open();
    // etcd parses this value but refuses it while starting (a wrong type would be refused before any start).
    const attempt = ClusterSpec.etcd('default').withFlags({ 'auth-token': 'bogus' }).start({ session });
    await expect(attempt).rejects.toThrow(MemberStartError);
    await expect(attempt).rejects.toThrow(/failed to start[\s\S]*invalid auth options/);
    await session.close();
    expect(existsSync(session.workDir)).toBe(false);
    expect(journals()).not.toContain(`${session.runId}.jsonl`);
    expect(netnsList().filter((name) => name.startsWith(`ec${session.shortId}`))).toEqual([]);
  });
});
