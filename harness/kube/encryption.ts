// EncryptionConfiguration for kube-apiserver's `--encryption-provider-config` (apiserver.config.k8s.io/v1), as the
// guide writes it ("etcd Encryption at Rest": aescbc key1, then identity), and how a stored value says which
// provider and key wrote it.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';

export interface EncryptionKey {
  readonly name: string;
  /** Base64 of 32 random bytes (AES-256), as the guide's `<base64-encoded-32-byte-key>`. */
  readonly secret: string;
}

export type EncryptionProvider =
  | { readonly kind: 'aescbc'; readonly keys: readonly EncryptionKey[] }
  | { readonly kind: 'aesgcm'; readonly keys: readonly EncryptionKey[] }
  | { readonly kind: 'secretbox'; readonly keys: readonly EncryptionKey[] }
  | { readonly kind: 'identity' };

export interface EncryptionConfig {
  /** Resources the providers apply to (the guide: `secrets`). */
  readonly resources: readonly string[];
  /** The first provider writes; every one is tried when reading. */
  readonly providers: readonly EncryptionProvider[];
}

export function newEncryptionKey(name: string): EncryptionKey {
  return { name, secret: randomBytes(32).toString('base64') };
}

/** The guide's configuration: `aescbc` with the given keys (first one writes), then `identity`. */
export function guideEncryptionConfig(...keys: EncryptionKey[]): EncryptionConfig {
  return { resources: ['secrets'], providers: [{ kind: 'aescbc', keys }, { kind: 'identity' }] };
}

/** `identity` first (nothing encrypted on write), aescbc still able to read: the negative control. */
export function identityFirstConfig(...keys: EncryptionKey[]): EncryptionConfig {
  return { resources: ['secrets'], providers: [{ kind: 'identity' }, { kind: 'aescbc', keys }] };
}

/** The YAML file kube-apiserver reads. */
export function renderEncryptionConfiguration(config: EncryptionConfig): string {
  return stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'EncryptionConfiguration',
    resources: [
      {
        resources: [...config.resources],
        providers: config.providers.map((provider) =>
          provider.kind === 'identity'
            ? { identity: {} }
            : {
                [provider.kind]: {
                  keys: provider.keys.map((key) => ({ name: key.name, secret: key.secret })),
                },
              },
        ),
      },
    ],
  });
}

/** How a value under /registry was written: `k8s:enc:<provider>:v1:<key>:` or plain (identity). */
export interface StoredEnvelope {
  readonly provider: string;
  /** The key name for encrypting providers; undefined for identity. */
  readonly key: string | undefined;
}

/** Reads the envelope prefix of a stored value (kube-apiserver's transformer prefixes). */
export function storedEnvelopeOf(value: Buffer | string): StoredEnvelope {
  const head = (typeof value === 'string' ? Buffer.from(value, 'latin1') : value)
    .subarray(0, 128)
    .toString('latin1');
  const match = /^k8s:enc:([a-z0-9]+):v\d+:([^:]+):/.exec(head);
  if (match) return { provider: match[1] as string, key: match[2] };
  return { provider: 'identity', key: undefined };
}
