// Reading the user's setup (kubeadm's own manifests, a config file, a flag list), classifying its flags per release,
// the static review, kubeadm's etcd table and the setup applied to a run or a rehearsal. Pure: no etcd.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { InputError } from '../../harness/errors.js';
import { classifySetup, keyTypeFor } from '../../harness/manifest/classify.js';
import { kubeadmEtcdPin } from '../../harness/manifest/kubeadm-etcd.js';
import { imageVersion, parseEtcdSetup, readEtcdSetup } from '../../harness/manifest/read-setup.js';
import { reviewSetup } from '../../harness/manifest/review.js';
import { applySetup, chooseRelease } from '../../harness/manifest/setup-target.js';
import { parseKubernetesVersion, splitKubernetesRelease } from '../../harness/versions/kubernetes-release.js';
import { resolveVersion } from '../../harness/versions/version.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');
const fixture = (name: string) => readEtcdSetup(join(FIXTURES, name));
const v = resolveVersion;

describe('reading a setup', () => {
  it('reads kubeadm 1.34.4’s own manifest: flags, image and release', async () => {
    const setup = await fixture('kubeadm-1.34.4-defaults.etcd.yaml');
    expect(setup.kind).toBe('static-pod');
    expect(setup.image).toBe('registry.k8s.io/etcd:3.6.5-0');
    expect(setup.imageVersion?.toString()).toBe('3.6.5');
    expect(setup.flags.map((flag) => flag.name)).toContain('watch-progress-notify-interval');
    expect(setup.flags.find((flag) => flag.name === 'feature-gates')).toMatchObject({
      value: 'InitialCorruptCheck=true',
      origin: 'command[5]',
    });
  });

  it('reads an etcd config file (nested transport security, lists) and a flag list', async () => {
    const config = await fixture('etcd-config-file.yaml');
    expect(config.kind).toBe('config-file');
    const names = Object.fromEntries(config.flags.map((flag) => [flag.name, flag.value]));
    expect(names).toMatchObject({
      'peer-client-cert-auth': 'true',
      'client-cert-auth': 'true',
      'log-outputs': 'stderr',
      'auto-compaction-retention': '8h',
    });
    expect(config.ignoredKeys).toEqual(['not-an-etcd-setting']);
    const list = await fixture('etcd-flags.txt');
    expect(list.kind).toBe('flag-list');
    expect(Object.fromEntries(list.flags.map((flag) => [flag.name, flag.value]))).toMatchObject({
      'heartbeat-interval': '250',
      'election-timeout': '2500',
    });
  });

  it.each([
    ['bad/not-yaml.yaml', /is not YAML: .*\(line \d+\)/],
    ['bad/not-a-pod.yaml', /is a Kubernetes `Deployment` \(apps\/v1\), not a Pod/],
    ['bad/pod-without-etcd.yaml', /is a Pod without an etcd container \(containers: `kube-apiserver`/],
  ])('refuses %s with a message saying what it found', async (name, message) => {
    await expect(fixture(name)).rejects.toThrow(InputError);
    await expect(fixture(name)).rejects.toThrow(message);
  });

  it('refuses plain text and an image tag that names no release (when the release must come from it)', async () => {
    expect(() => parseEtcdSetup('just some words\n', 'words.txt')).toThrow(
      /neither a Pod, an etcd config file nor a list of flags/,
    );
    expect(imageVersion('quay.io/coreos/etcd:v3.5.13')).toEqual({ version: v('3.5.13') });
    expect(imageVersion('registry.k8s.io/etcd:3.6.5-0@sha256:abc')).toEqual({ version: v('3.6.5') });
    const latest = await fixture('bad/image-tag-latest.etcd.yaml');
    expect(() => chooseRelease({ setup: latest })).toThrow(/image tag `latest` .* is not an etcd release/);
    expect(chooseRelease({ setup: latest, etcdVersion: '3.6' }).version.toString()).toBe(v('3.6').toString());
  });
});

describe('classifying for a release', () => {
  it('keeps tuning flags, maps topology and certificates, turns TLS on', async () => {
    const setup = await fixture('kubeadm-1.34.4-guide-tuned.etcd.yaml');
    const classified = classifySetup(setup, v('3.6.5'));
    const of = (name: string) => classified.entries.find((entry) => entry.name === name)?.disposition;
    expect(of('quota-backend-bytes')).toBe('kept');
    expect(of('election-timeout')).toBe('kept');
    expect(of('data-dir')).toBe('mapped');
    expect(of('listen-metrics-urls')).toBe('mapped');
    expect(classified.flags).toMatchObject({
      'quota-backend-bytes': '8589934592',
      'heartbeat-interval': '500',
    });
    expect(classified.flags).not.toHaveProperty('data-dir');
    expect(classified.tls).toBe(true);
    expect(classified.refusals).toEqual([]);
  });

  it('translates renamed flags forward and refuses unknown ones backward, naming the replacement', async () => {
    const list = parseEtcdSetup(
      '--experimental-watch-progress-notify-interval=5s\n--experimental-initial-corrupt-check=true\n',
      'f',
    );
    const to37 = classifySetup(list, v('3.7'), { translate: true });
    expect(to37.refusals).toEqual([]);
    expect(to37.flags).toEqual({
      'watch-progress-notify-interval': '5s',
      'feature-gates': 'InitialCorruptCheck=true',
    });
    expect(to37.entries.map((entry) => entry.disposition)).toEqual(['translated', 'translated']);
    // Negative control: without translation (the setup's own release) a removed flag is refused.
    expect(classifySetup(list, v('3.7')).refusals.map((refusal) => refusal.kind)).toEqual([
      'removed',
      'removed',
    ]);
    const kubeadm = await fixture('kubeadm-1.34.4-defaults.etcd.yaml');
    const on35 = classifySetup(kubeadm, v('3.5'));
    expect(on35.refusals.map((refusal) => [refusal.flags[0], refusal.replacement])).toEqual([
      ['feature-gates', '--experimental-initial-corrupt-check=true'],
      ['watch-progress-notify-interval', '--experimental-watch-progress-notify-interval=5s'],
    ]);
  });

  it('generates RSA certificates only where the cipher suites require them', () => {
    expect(keyTypeFor(undefined).keyType).toBe('ecdsa-p256');
    expect(
      keyTypeFor('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384').keyType,
    ).toBe('rsa-2048');
    expect(
      keyTypeFor('TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256').keyType,
    ).toBe('ecdsa-p256');
  });
});

describe('validate: the static review', () => {
  it.each([
    ['kubeadm-1.34.4-defaults.etcd.yaml', 'advice', []],
    ['kubeadm-1.34.4-guide-tuned.etcd.yaml', 'clean', []],
    ['kubeadm-1.34.4-election-too-short.etcd.yaml', 'refused', ['etcd.refuses']],
  ])('%s → %s', async (name, verdict, failed) => {
    const setup = await fixture(name);
    const review = reviewSetup(setup, {
      version: v('3.6.5'),
      versionSource: 'image tag',
      crossVersion: false,
    });
    expect(review.verdict).toBe(verdict);
    expect(
      review.findings.filter((finding) => finding.verdict === 'fail').map((finding) => finding.rule),
    ).toEqual(failed);
  });

  it('quotes etcd for the refused one and warns on the guide’s recommendations for kubeadm’s defaults', async () => {
    const refused = reviewSetup(await fixture('kubeadm-1.34.4-election-too-short.etcd.yaml'), {
      version: v('3.6.5'),
      versionSource: 'image tag',
      crossVersion: false,
    });
    expect(refused.findings[0]?.observed).toContain(
      '--election-timeout[2000ms] should be at least as 5 times as --heartbeat-interval[500ms]',
    );
    const defaults = reviewSetup(await fixture('kubeadm-1.34.4-defaults.etcd.yaml'), {
      version: v('3.6.5'),
      versionSource: 'image tag',
      crossVersion: false,
    });
    expect(
      defaults.findings.filter((finding) => finding.verdict === 'warn').map((finding) => finding.rule),
    ).toEqual(['timing.guide', 'quota.guide-range', 'compaction.auto']);
  });

  it('fails https without client certificate auth and is an upgrade pre-check across releases', () => {
    const open = parseEtcdSetup(
      '--listen-client-urls=https://0.0.0.0:2379\n--advertise-client-urls=https://10.0.0.1:2379\n--cert-file=a\n--key-file=b\n',
      'open',
    );
    const review = reviewSetup(open, { version: v('3.6'), versionSource: 'x', crossVersion: false });
    expect(review.verdict).toBe('failed');
    expect(review.findings.find((finding) => finding.rule === 'tls.client-cert-auth')?.verdict).toBe('fail');
    const old = parseEtcdSetup('--experimental-compaction-batch-limit=1000\n', 'old');
    const precheck = reviewSetup(old, {
      version: v('3.7'),
      versionSource: '--etcd-version 3.7',
      crossVersion: true,
    });
    expect(precheck.findings.find((finding) => finding.rule === 'upgrade.renamed')).toMatchObject({
      verdict: 'warn',
      expected: '`--compaction-batch-limit=1000`',
    });
  });
});

describe('kubeadm’s etcd table', () => {
  it('resolves a Kubernetes release to the etcd kubeadm installs', () => {
    expect(kubeadmEtcdPin('1.34')).toMatchObject({ etcd: '3.6.5', image: '3.6.5-0', kubeadm: '1.34.4' });
    expect(kubeadmEtcdPin('v1.30.2').etcd).toBe('3.5.15');
    expect(() => kubeadmEtcdPin('1.2x')).toThrow(
      /Expected `--kubernetes-version` to be a Kubernetes release/,
    );
    expect(() => kubeadmEtcdPin('1.12')).toThrow(/No kubeadm etcd pin is known for Kubernetes `1.12`/);
    expect(() => chooseRelease({ etcdVersion: '3.6', kubernetesVersion: '1.34' })).toThrow(/not both/);
  });

  it('reads the version with the one Kubernetes release parser, but its own table decides what is known', () => {
    // Same syntax as --kube-apiserver (a line, `.x`, an exact patch, a leading v) ...
    expect(kubeadmEtcdPin('1.34.x')).toBe(kubeadmEtcdPin('v1.34.4'));
    expect(splitKubernetesRelease('v1.30.2')).toEqual({ major: 1, minor: 30, patch: 2, line: '1.30' });
    expect(splitKubernetesRelease('1.38.0-beta.0')).toBeUndefined();
    expect(() => kubeadmEtcdPin('1.38.0-beta.0')).toThrow(/Expected `--kubernetes-version`/);
    // ... but kubeadm pins etcd for 1.24+, while kube-apiserver is built for 1.34+ only.
    expect(kubeadmEtcdPin('1.30').etcd).toBe('3.5.15');
    expect(() => parseKubernetesVersion('1.30')).toThrow(/Kubernetes 1\.30 is not a line/);
  });

  it('matches the etcd.yaml kubeadm 1.34.4 wrote', async () => {
    const text = await readFile(join(FIXTURES, 'kubeadm-1.34.4-defaults.etcd.yaml'), 'utf8');
    expect(text).toContain(`image: registry.k8s.io/etcd:${kubeadmEtcdPin('1.34').image}`);
  });
});

describe('a setup applied to a run or a rehearsal', () => {
  it('refuses what the release would not start with, quoting etcd, before anything starts', async () => {
    const setup = await fixture('kubeadm-1.34.4-election-too-short.etcd.yaml');
    expect(() => applySetup(setup, chooseRelease({ setup }))).toThrow(
      /would refuse to start with `--manifest .*`:\n {2}- --election-timeout\[2000ms\] should be at least as 5 times/,
    );
    const wrongType = await fixture('bad/quota-not-a-number.etcd.yaml');
    expect(() => applySetup(wrongType, chooseRelease({ setup: wrongType }))).toThrow(
      /invalid value "abc" for flag -quota-backend-bytes: parse error/,
    );
  });

  it('rehearsing kubeadm 1.34’s manifest from 3.5: the 3.6-only flags must change, or are dropped and come back on 3.6', async () => {
    const setup = await fixture('kubeadm-1.34.4-defaults.etcd.yaml');
    const from = { version: v('3.5'), source: '--from 3.5' };
    expect(() => applySetup(setup, from, { alsoOn: v('3.6') })).toThrow(
      /flag provided but not defined: -feature-gates[\s\S]*flag provided but not defined: -watch-progress-notify-interval/,
    );
    const applied = applySetup(setup, from, { alsoOn: v('3.6'), dropUnsupported: true });
    expect(applied.section.dropped.map((entry) => entry.flag)).toEqual([
      'feature-gates',
      'watch-progress-notify-interval',
    ]);
    expect(applied.flags).not.toHaveProperty('feature-gates');
    expect(applied.upgradeFlags).toMatchObject({
      'feature-gates': 'InitialCorruptCheck=true',
      'watch-progress-notify-interval': '5s',
    });
    expect(applied.section.afterUpgrade?.restored).toEqual([
      'feature-gates',
      'watch-progress-notify-interval',
    ]);
  });

  it('lists --flag values that win over the manifest and how the flags differ from etcd and the guide', async () => {
    const setup = await fixture('kubeadm-1.34.4-guide-tuned.etcd.yaml');
    const applied = applySetup(setup, chooseRelease({ setup }), { extraFlags: { 'snapshot-count': '5000' } });
    expect(applied.section.overriddenByCommandLine).toEqual([
      { flag: 'snapshot-count', manifest: '10000', used: '5000' },
    ]);
    expect(applied.section.differences.find((row) => row.flag === 'election-timeout')).toEqual({
      flag: 'election-timeout',
      yours: '5000',
      etcdDefault: '1000',
      guide: '5000',
    });
  });
});

describe('certificates of the key type the setup needs', () => {
  it('are what every cluster of the run is built with, `up` included', async () => {
    const { specFromOptions } = await import('../../harness/cli/cluster-options.js');
    const { capabilitiesOf } = await import('../../harness/versions/capabilities.js');
    const version = v('3.6');
    const target = {
      version,
      capabilities: capabilitiesOf(version),
      flags: { 'cipher-suites': 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' },
      tls: true,
      tlsKeyType: 'rsa-2048' as const,
      network: 'auto' as const,
      backend: 'process' as const,
      images: {},
    };
    const options = { etcdVersion: '3.6', backend: 'process', network: 'auto' as const };
    expect(specFromOptions(options, target).toSpec().tlsKeyType).toBe('rsa-2048');
    expect(
      specFromOptions(options, { ...target, tlsKeyType: undefined }).toSpec().tlsKeyType,
    ).toBeUndefined();
  });

  it('issues RSA 2048 certificates when asked (cipher suites with RSA only) and ECDSA P-256 otherwise', async () => {
    const { mkdtemp, readFile: read, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    // tls.ts loads reflect-metadata, which @peculiar/x509 needs first.
    const { TlsAuthority } = await import('../../harness/cluster/tls.js');
    const x509 = await import('@peculiar/x509');
    for (const [keyType, algorithm] of [
      ['rsa-2048', 'RSASSA-PKCS1-v1_5'],
      ['ecdsa-p256', 'ECDSA'],
    ] as const) {
      const dir = await mkdtemp(join(tmpdir(), 'etcd-chaos-tls-'));
      onTestFinished(() => rm(dir, { recursive: true, force: true }));
      const authority = await TlsAuthority.create(dir, keyType);
      const member = await authority.issueMember('m1', ['10.0.0.1']);
      const cert = new x509.X509Certificate(await read(member.cert, 'utf8'));
      expect(cert.publicKey.algorithm.name).toBe(algorithm);
      expect(
        await cert.verify({ publicKey: new x509.X509Certificate(await read(authority.caFile, 'utf8')) }),
      ).toBe(true);
    }
  });
});
