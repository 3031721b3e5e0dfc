// What a throwaway kube-apiserver needs besides etcd: a serving certificate from a CA of its own (so clients verify
// it), a service-account key pair, and a static admin token in `system:masters`. Generated per run.
import 'reflect-metadata';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const VALIDITY_MS = 7 * 24 * 60 * 60 * 1000;

/** The name clients verify the API server against (it also carries 127.0.0.1 and ::1). */
export const APISERVER_SERVER_NAME = 'localhost';

export interface KubeCredentials {
  readonly dir: string;
  /** CA that signed the serving certificate: what clients trust. */
  readonly caFile: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  readonly serviceAccountPublicKeyFile: string;
  readonly serviceAccountPrivateKeyFile: string;
  /** The static bearer token of user `etcd-chaos-admin` in group `system:masters`. */
  readonly token: string;
  readonly tokenFile: string;
}

/** Writes a fresh set of credentials into `dir` (mode 0700; keys 0600). */
export async function createKubeCredentials(dir: string): Promise<KubeCredentials> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=etcd-chaos kube-apiserver CA',
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey as never),
    ],
  });
  const servingKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const serving = await x509.X509CertificateGenerator.create({
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    publicKey: servingKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + VALIDITY_MS),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      await x509.AuthorityKeyIdentifierExtension.create(ca, false),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'dns', value: APISERVER_SERVER_NAME },
          { type: 'ip', value: '127.0.0.1' },
          { type: 'ip', value: '::1' },
        ],
        false,
      ),
    ],
  });
  const caFile = join(dir, 'apiserver-ca.crt');
  const servingCertFile = join(dir, 'apiserver.crt');
  const servingKeyFile = join(dir, 'apiserver.key');
  await writeFile(caFile, ca.toString('pem'));
  await writeFile(servingCertFile, serving.toString('pem'));
  const servingPkcs8 = await webcrypto.subtle.exportKey(
    'pkcs8',
    servingKeys.privateKey as webcrypto.CryptoKey,
  );
  await writeFile(servingKeyFile, x509.PemConverter.encode(servingPkcs8, 'PRIVATE KEY'), { mode: 0o600 });

  // RS256 is what every Kubernetes release verifies service-account tokens with by default.
  const serviceAccount = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const serviceAccountPublicKeyFile = join(dir, 'sa.pub');
  const serviceAccountPrivateKeyFile = join(dir, 'sa.key');
  await writeFile(serviceAccountPublicKeyFile, serviceAccount.publicKey);
  await writeFile(serviceAccountPrivateKeyFile, serviceAccount.privateKey, { mode: 0o600 });

  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  // token,user,uid,"group1,group2" (kube-apiserver --token-auth-file)
  await writeFile(tokenFile, `${token},etcd-chaos-admin,etcd-chaos-admin,"system:masters"\n`, {
    mode: 0o600,
  });
  return {
    dir,
    caFile,
    servingCertFile,
    servingKeyFile,
    serviceAccountPublicKeyFile,
    serviceAccountPrivateKeyFile,
    token,
    tokenFile,
  };
}
