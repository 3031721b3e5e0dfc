// `etcd-chaos drill` on real TLS clusters: the guide's backup script reports success over a corrupt snapshot on 3.6
// (its `etcdctl snapshot status` step prints help and exits 0) but not on 3.5, its remote retention (14 days) breaks
// the guide's own summary (30 days), and a script that exits 0 after writing half a file fails with that reason.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const GUIDE_SCRIPT = join(
  import.meta.dirname,
  '..',
  '..',
  'harness',
  'backups',
  'scripts',
  'guide-etcd-backup.sh',
);
const HALF_FILE = join(import.meta.dirname, '..', 'fixtures', 'backup-scripts', 'half-file.sh');
const GUIDE_AS_PRINTED = join(import.meta.dirname, '..', 'fixtures', 'backup-scripts', 'guide-as-printed.sh');

interface Finding {
  readonly claim: string;
  readonly check: string;
  readonly verdict: string;
  readonly reason: string;
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-drill-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function drill(script: string, version: string, faults: string, extra: string[] = []): Finding[] {
  const reportDir = join(dir, `${version}-${faults}`);
  const result = runCli(
    [
      'drill',
      '--backup-script',
      script,
      '--etcd-version',
      version,
      '--faults',
      faults,
      '--seed-keys',
      '200',
      '--network',
      'loopback',
      '--report-dir',
      reportDir,
      ...extra,
    ],
    {},
    240_000,
  );
  expect([0, 1], result.stderr).toContain(result.code);
  return (JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8')) as { findings: Finding[] })
    .findings;
}

function honesty(findings: readonly Finding[], check: string): Finding {
  const found = findings.find(
    (finding) => finding.claim === 'backup.script-honest' && finding.check === check,
  );
  if (!found) throw new Error(`no backup.script-honest finding "${check}"`);
  return found;
}

describe('drill', () => {
  it("the guide's script on 3.6: a good backup, a corrupt one reported as success, retention shorter than promised", () => {
    const findings = drill(GUIDE_SCRIPT, '3.6', 'none,corrupt-save');
    expect(honesty(findings, 'run 1')).toMatchObject({ verdict: 'pass' });
    const corrupt = honesty(findings, 'run 2 under corrupt-save');
    expect(corrupt.verdict).toBe('fail');
    expect(corrupt.reason).toMatch(/exited 0 after writing a backup that fails verification/);
    expect(corrupt.reason).toMatch(
      /`etcdctl snapshot status` step printed the snapshot command's help and exited 0/,
    );
    expect(findings.find((finding) => finding.check.startsWith('ledger up to revision'))?.verdict).toBe(
      'pass',
    );
    const retention = findings.find((finding) => finding.check === "the script's retention step");
    expect(retention?.verdict).toBe('fail');
    expect(retention?.reason).toMatch(/deletes remote backups aged 20 d.*inside the 30 d remote retention/);
    expect(retention?.reason).not.toMatch(/newest good backup/);
  });

  it("the guide's script on 3.5: its `etcdctl snapshot status` step catches the corrupt save", () => {
    const findings = drill(GUIDE_SCRIPT, '3.5', 'corrupt-save', ['--no-retention-check']);
    const corrupt = honesty(findings, 'run 1 under corrupt-save');
    expect(corrupt.verdict, corrupt.reason).toBe('fail');
    // The status step refuses the truncated file (non-zero exit) but leaves it in the backup dir for the next restore.
    expect(corrupt.reason).toMatch(/failed \(exit [1-9]\d*\) but left a broken backup/);
  });

  it('a script that exits 0 after writing half a file fails with that reason', () => {
    const findings = drill(HALF_FILE, '3.6', 'none', ['--no-retention-check']);
    const run = honesty(findings, 'run 1');
    expect(run.verdict).toBe('fail');
    expect(run.reason).toMatch(/exited 0 after writing a backup that fails verification: etcd-.*\.db/);
    const integrity = findings.find((finding) => finding.claim === 'backup.intact');
    expect(integrity?.reason).toMatch(/^truncated/);
  });

  it("the guide's script as printed (kubeadm paths) runs with its paths mapped and touches none of the host's", () => {
    const hostPaths = ['/backup/etcd', '/nfs/etcd-backup', '/etc/kubernetes/pki/etcd'];
    const existedBefore = hostPaths.filter((path) => existsSync(path));
    const findings = drill(GUIDE_AS_PRINTED, '3.6', 'none', ['--no-retention-check']);
    const run = honesty(findings, 'run 1');
    expect(run.verdict, run.reason).toBe('pass');
    expect(findings.find((finding) => finding.claim === 'backup.intact')?.verdict).toBe('pass');
    expect(hostPaths.filter((path) => existsSync(path))).toEqual(existedBefore);
    const evidenceDir = join(dir, '3.6-none', 'evidence');
    const mapped = readdirSync(evidenceDir, { recursive: true, encoding: 'utf8' }).find((name) =>
      name.endsWith('.mapped.txt'),
    );
    if (!mapped) throw new Error(`no mapped script in ${evidenceDir}`);
    const text = readFileSync(join(evidenceDir, mapped), 'utf8');
    expect(text).toMatch(/# \/etc\/kubernetes\/pki\/etcd -> \S+pki-etcd \(6x\)/);
    expect(text).toMatch(/# 127\.0\.0\.1:2379 -> \S+ \(2x\)/);
    expect(text).toMatch(/# \/nfs\/etcd-backup -> \S+remote \(2x\)/);
  });
});
