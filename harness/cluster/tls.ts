// Per-run mTLS material: a CA, one certificate per member (server and peer, both EKUs), a client certificate,
// and on request a second, unrelated CA with its own client certificate (for "wrong CA" checks).
import type { ClientTls } from './clients.js';
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 wants a WebCrypto provider; Node's is complete.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** Key type of the generated certificates: ECDSA P-256 (fast) unless a setup's cipher suites need RSA. */
export type TlsKeyType = 'ecdsa-p256' | 'rsa-2048';

const ALGORITHMS = {
  'ecdsa-p256': { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' },
  'rsa-2048': {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  },
} as const;
type Algorithm = (typeof ALGORITHMS)[TlsKeyType];
const ALGORITHM: Algorithm = ALGORITHMS['ecdsa-p256'];
const VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** Paths of PEM files on disk. */
/** A DNS name every member certificate carries: what the harness's own clients ask for (SNI) and verify. */
export const MEMBER_SERVER_NAME = 'localhost';

export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

interface Issued {
  readonly cert: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
  readonly algorithm: Algorithm;
}

export interface TlsMaterial {
  readonly dir: string;
  readonly caFile: string;
  readonly members: Readonly<Record<string, CertFiles>>;
  /** A client certificate signed by the cluster CA (what the harness and etcdctl use). */
  readonly client: CertFiles;
}

/** A cluster's CA, kept for the cluster's lifetime so members added later get certificates from it. */
export class TlsAuthority {
  private readonly memberFiles: Record<string, CertFiles> = {};

  private constructor(
    readonly dir: string,
    readonly caFile: string,
    private readonly ca: Issued,
    readonly client: CertFiles,
  ) {}

  static async create(dir: string, keyType: TlsKeyType = 'ecdsa-p256'): Promise<TlsAuthority> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const ca = await createCa('etcd-chaos test CA', ALGORITHMS[keyType]);
    const caFile = join(dir, 'ca.crt');
    await writeFile(caFile, ca.cert.toString('pem'));
    const client = await writePair(
      dir,
      'client',
      await issue(ca, 'CN=etcd-chaos-client', { dns: [], ips: [], server: false }),
    );
    return new TlsAuthority(dir, caFile, ca, client);
  }

  /**
   * A certificate for a member, valid for server and peer use at `ips` and `dns` names (and 127.0.0.1, ::1,
   * localhost). Only names that resolve where the member runs: etcd resolves DNS SANs of peer certificates when the
   * IP SANs do not match, and an unresolvable name stalls handshakes.
   */
  async issueMember(name: string, ips: readonly string[], dns: readonly string[] = []): Promise<CertFiles> {
    // MEMBER_SERVER_NAME must stay among the names: clients verify members against it (see ClientTls.serverName).
    const issued = await issue(this.ca, `CN=${name}`, {
      dns: [MEMBER_SERVER_NAME, ...dns],
      ips: ['127.0.0.1', '::1', ...ips],
      server: true,
    });
    const files = await writePair(this.dir, name, issued);
    this.memberFiles[name] = files;
    return files;
  }

  /** What a client of this cluster needs: the CA and the client certificate. */
  get clientTls(): ClientTls {
    return {
      caFile: this.caFile,
      certFile: this.client.cert,
      keyFile: this.client.key,
      serverName: MEMBER_SERVER_NAME,
    };
  }

  get material(): TlsMaterial {
    return { dir: this.dir, caFile: this.caFile, members: { ...this.memberFiles }, client: this.client };
  }
}

/** A CA unrelated to the cluster's, with a client certificate it signed: the cluster must refuse both. */
export async function generateForeignClient(dir: string): Promise<{ caFile: string; client: CertFiles }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa('etcd-chaos foreign CA');
  const caFile = join(dir, 'foreign-ca.crt');
  await writeFile(caFile, ca.cert.toString('pem'));
  const client = await writePair(
    dir,
    'foreign-client',
    await issue(ca, 'CN=foreign-client', { dns: [], ips: [], server: false }),
  );
  return { caFile, client };
}

async function createCa(commonName: string, algorithm: Algorithm = ALGORITHM): Promise<Issued> {
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys: keys as CryptoKeyPair,
    signingAlgorithm: algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  return { cert, keys: keys as CryptoKeyPair, algorithm };
}

async function issue(
  ca: Issued,
  subject: string,
  options: { dns: readonly string[]; ips: readonly string[]; server: boolean },
): Promise<Issued> {
  const keys = (await webcrypto.subtle.generateKey(ca.algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const names: x509.JsonGeneralName[] = [
    ...options.dns.map((value) => ({ type: 'dns' as const, value })),
    ...[...new Set(options.ips)].map((value) => ({ type: 'ip' as const, value })),
  ];
  const usages = options.server
    ? [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]
    : [x509.ExtendedKeyUsage.clientAuth];
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(usages, false),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert, false),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ca.algorithm,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALIDITY_MS),
    extensions,
  });
  return { cert, keys, algorithm: ca.algorithm };
}

async function writePair(dir: string, name: string, issued: Issued): Promise<CertFiles> {
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', issued.keys.privateKey as webcrypto.CryptoKey);
  const keyPem = x509.PemConverter.encode(pkcs8, 'PRIVATE KEY');
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  await writeFile(cert, issued.cert.toString('pem'));
  await writeFile(key, keyPem, { mode: 0o600 });
  return { cert, key };
}
