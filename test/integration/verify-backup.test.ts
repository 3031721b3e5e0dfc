// `etcd-chaos verify-backup` as a CI job runs it, on real snapshots and real restore drills: a verdict with a reason
// for each kind of file (good ones from every supported line, truncated, bit-flipped, a member/snap/db copy, empty,
// not a snapshot, gpg and openssl encrypted with the right and the wrong key), a directory whose newest backup
// expired and one with no backup, bad input as exit 2 — and every original byte-identical afterwards.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { ensureDebianPackage } from '../helpers/system-packages.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'snapshots');
const LINES = ['3.4.23', '3.5.35', '3.6.16', '3.7.3'];

interface Finding {
  readonly scenario: string;
  readonly check: string;
  readonly verdict: string;
  readonly reason: string;
}

let dir: string;
const shaBefore = new Map<string, string>();

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function verdictsOf(reportDir: string): Finding[] {
  return (JSON.parse(readFileSync(join(reportDir, 'result.json'), 'utf8')) as { findings: Finding[] })
    .findings;
}

function finding(findings: readonly Finding[], file: string, kind: 'integrity' | 'restore drill'): Finding {
  const found = findings.find((entry) => entry.check.startsWith(`${kind} of ${join(dir, file)}`));
  if (!found) throw new Error(`no ${kind} finding for ${file}`);
  return found;
}

function stamp(daysAgo: number): string {
  const date = new Date(Date.now() - daysAgo * 86_400_000);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

beforeAll(async () => {
  for (const [pkg, binary] of [
    ['gnupg', '/usr/bin/gpg'],
    ['openssl', '/usr/bin/openssl'],
  ] as const) {
    const status = ensureDebianPackage(pkg, binary, (message) =>
      process.stderr.write(`[test setup] ${message}\n`),
    );
    if (!status.available) throw new Error(status.reason);
  }
  dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-verify-'));
  for (const line of LINES)
    copyFileSync(join(FIXTURES, `etcd-${line}-50-keys.db`), join(dir, `good-${line}.db`));
  const good = readFileSync(join(FIXTURES, 'etcd-3.6.16-50-keys.db'));
  writeFileSync(join(dir, 'truncated.db'), good.subarray(0, 12_000));
  const flipped = Buffer.from(good);
  flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0x01;
  writeFileSync(join(dir, 'bit-flipped.db'), flipped);
  writeFileSync(join(dir, 'member-snap-db.db'), good.subarray(0, good.length - 32));
  writeFileSync(join(dir, 'empty.db'), '');
  writeFileSync(
    join(dir, 'not-a-snapshot.db'),
    createHash('sha512').update('x').digest().toString('hex').repeat(200),
  );
  writeFileSync(join(dir, 'key.txt'), 'correct horse battery staple');
  writeFileSync(join(dir, 'wrong.txt'), 'incorrect horse');
  const plain = join(dir, 'good-3.6.16.db');
  // The fixture's own GnuPG home (never root's ~/.gnupg); its agent is stopped right after.
  const gnupg = join(dir, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const run = (command: string, args: string[]) => {
    const result = spawnSync(command, args, { encoding: 'utf8', env: { ...process.env, GNUPGHOME: gnupg } });
    if (result.status !== 0) throw new Error(`${command} failed: ${result.stderr}`);
  };
  run('gpg', [
    '--batch',
    '--quiet',
    '--pinentry-mode',
    'loopback',
    '--passphrase-file',
    join(dir, 'key.txt'),
    '--symmetric',
    '--output',
    join(dir, 'encrypted.db.gpg'),
    plain,
  ]);
  run('gpgconf', ['--kill', 'gpg-agent']);
  rmSync(gnupg, { recursive: true, force: true });
  run('openssl', [
    'enc',
    '-aes-256-cbc',
    '-pbkdf2',
    '-salt',
    '-in',
    plain,
    '-out',
    join(dir, 'encrypted.db.enc'),
    '-pass',
    `file:${join(dir, 'key.txt')}`,
  ]);
  mkdirSync(join(dir, 'expired'));
  for (const days of [4, 3, 2]) copyFileSync(plain, join(dir, 'expired', `etcd-${stamp(days)}.db`));
  mkdirSync(join(dir, 'no-backups'));
  writeFileSync(join(dir, 'no-backups', 'README'), 'backups go here\n');
  for (const name of readdirSync(dir))
    if (name.endsWith('.db') || /\.(gpg|enc)$/.test(name)) shaBefore.set(name, sha256(join(dir, name)));
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('verify-backup', () => {
  it('gives each kind of file its verdict with a reason, and leaves every original byte-identical', () => {
    const files = [
      ...LINES.map((line) => `good-${line}.db`),
      'truncated.db',
      'bit-flipped.db',
      'member-snap-db.db',
      'empty.db',
      'not-a-snapshot.db',
      'encrypted.db.gpg',
      'encrypted.db.enc',
    ];
    const reportDir = join(dir, 'report');
    const result = runCli(
      [
        'verify-backup',
        ...files.map((name) => join(dir, name)),
        '--decrypt-key',
        join(dir, 'key.txt'),
        '--report-dir',
        reportDir,
      ],
      {},
      240_000,
    );
    expect(result.code, result.stderr).toBe(1);
    const findings = verdictsOf(reportDir);
    for (const line of LINES) {
      expect(finding(findings, `good-${line}.db`, 'integrity').verdict).toBe('pass');
      const drill = finding(findings, `good-${line}.db`, 'restore drill');
      expect(drill.verdict, drill.reason).toBe('pass');
      expect(drill.check).toContain(`etcd ${line}`);
      expect(drill.reason).toContain('revision 51, 50 keys and KV hash 611479444');
      expect(drill.reason).toContain(line === '3.4.23' ? 'etcdctl 3.4.23' : `etcdutl ${line}`);
    }
    expect(finding(findings, 'truncated.db', 'integrity')).toMatchObject({ verdict: 'fail' });
    expect(finding(findings, 'truncated.db', 'integrity').reason).toMatch(
      /^truncated: the database needs 24576 bytes/,
    );
    expect(finding(findings, 'bit-flipped.db', 'integrity').reason).toMatch(/SHA-256 trailer does not match/);
    expect(finding(findings, 'bit-flipped.db', 'restore drill')).toMatchObject({ verdict: 'fail' });
    expect(finding(findings, 'bit-flipped.db', 'restore drill').reason).toMatch(
      /refused it.*expected sha256/,
    );
    expect(finding(findings, 'member-snap-db.db', 'integrity')).toMatchObject({ verdict: 'inconclusive' });
    expect(finding(findings, 'member-snap-db.db', 'integrity').reason).toMatch(
      /no SHA-256 trailer.*--allow-no-hash/,
    );
    expect(finding(findings, 'empty.db', 'integrity').reason).toMatch(/empty \(0 bytes\)/);
    expect(finding(findings, 'not-a-snapshot.db', 'integrity').reason).toMatch(
      /not an etcd snapshot: not a bbolt file/,
    );
    for (const name of ['encrypted.db.gpg', 'encrypted.db.enc']) {
      expect(finding(findings, name, 'integrity').verdict).toBe('pass');
      expect(finding(findings, name, 'restore drill').verdict).toBe('pass');
    }
    expect(readdirSync(reportDir)).toEqual(expect.arrayContaining(['report.html', 'report.md', 'junit.xml']));
    for (const [name, sha] of shaBefore) expect(sha256(join(dir, name)), name).toBe(sha);
  });

  it('restores a member/snap/db copy with --allow-no-hash, and fails both encrypted files with the wrong key', () => {
    const reportDir = join(dir, 'report-2');
    const result = runCli(
      [
        'verify-backup',
        join(dir, 'member-snap-db.db'),
        join(dir, 'encrypted.db.gpg'),
        join(dir, 'encrypted.db.enc'),
        '--allow-no-hash',
        '--decrypt-key',
        join(dir, 'wrong.txt'),
        '--report-dir',
        reportDir,
      ],
      {},
      120_000,
    );
    expect(result.code, result.stderr).toBe(1);
    const findings = verdictsOf(reportDir);
    expect(finding(findings, 'member-snap-db.db', 'restore drill')).toMatchObject({ verdict: 'pass' });
    expect(finding(findings, 'member-snap-db.db', 'restore drill').reason).toContain('--skip-hash-check');
    expect(finding(findings, 'encrypted.db.gpg', 'integrity').reason).toMatch(
      /gpg.*could not decrypt.*Bad session key/,
    );
    expect(finding(findings, 'encrypted.db.enc', 'integrity').reason).toMatch(
      /openssl.*could not decrypt.*bad decrypt/,
    );
    for (const [name, sha] of shaBefore) expect(sha256(join(dir, name)), name).toBe(sha);
  });

  it('fails a directory whose newest backup expired, and one with no backup at all', () => {
    const reportDir = join(dir, 'report-dir');
    const result = runCli(
      ['verify-backup', join(dir, 'expired'), join(dir, 'no-backups'), '--report-dir', reportDir],
      {},
      120_000,
    );
    expect(result.code, result.stderr).toBe(1);
    const findings = verdictsOf(reportDir);
    const fresh = findings.filter((entry) => entry.check.startsWith('newest restorable backup'));
    expect(fresh.map((entry) => entry.verdict)).toEqual(['fail', 'fail']);
    expect(fresh[0]?.reason).toMatch(/is 2 d( \d+ (h|min))? old: older than 1 d 2 h/);
    expect(fresh[1]?.reason).toMatch(/no snapshot file in .*no backup is the worst backup/);
    expect(
      findings.some((entry) => entry.check.startsWith('restore drill of etcd-') && entry.verdict === 'pass'),
    ).toBe(true);
  });

  it('refuses bad input with exit 2 and a message, before anything starts, deleting nothing', () => {
    const cases: [string[], RegExp][] = [
      [[join(dir, 'does-not-exist.db')], /does-not-exist\.db` does not exist/],
      [[join(dir, 'good-3.6.16.db'), '--max-age', '26hours'], /`--max-age` to be a duration.*got `26hours`/],
      [
        [join(dir, 'encrypted.db.gpg'), '--decrypt-key', join(dir, 'missing.key')],
        /--decrypt-key `.*missing\.key` does not exist/,
      ],
      [
        [join(dir, 'encrypted.db.gpg')],
        /encrypted backup\(s\) \(encrypted\.db\.gpg\) and no `--decrypt-key`/,
      ],
    ];
    for (const [args, message] of cases) {
      const result = runCli(['verify-backup', ...args, '--report-dir', join(dir, 'bad-input')]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
    const unreadable = join(dir, 'unreadable.db');
    copyFileSync(join(dir, 'good-3.6.16.db'), unreadable);
    chmodSync(unreadable, 0o000);
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
    if (asNobody) chmodSync(dir, 0o755);
    const result = spawnSync(
      process.execPath,
      [CLI, 'verify-backup', unreadable, '--report-dir', join(dir, 'bad-input')],
      { encoding: 'utf8', ...asNobody },
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/unreadable\.db` is not readable/);
    expect(readdirSync(dir)).not.toContain('bad-input');
    for (const [name, sha] of shaBefore) expect(sha256(join(dir, name)), name).toBe(sha);
  });
});
