// Reads what a user runs etcd with, in any of three shapes: a kubeadm static-pod manifest (a Pod with an etcd
// container: its command and args, and the release from its image tag), an etcd config file (`--config-file` YAML),
// or a plain list of etcd flags. Anything else is refused with a message that says what was found and what was
// expected (InputError, exit 2, before anything starts).
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { describeError, InputError } from '../errors.js';
import { ETCD_FLAGS } from '../versions/etcd-flags.js';
import { type EtcdVersion, parseExactVersion } from '../versions/version.js';

export type SetupKind = 'static-pod' | 'config-file' | 'flag-list';

/** One flag as the user's file sets it, with where (for messages that point at the line to change). */
export interface SetupFlag {
  readonly name: string;
  readonly value: string;
  /** `command[7]`, `config key election-timeout`, `line 4`. */
  readonly origin: string;
}

export interface EtcdSetup {
  readonly path: string;
  readonly kind: SetupKind;
  /** Every flag, in file order (Go's flag package: a later value of the same flag wins). */
  readonly flags: readonly SetupFlag[];
  /** Static pod: the etcd container's image, and the release its tag names. */
  readonly image?: string;
  readonly imageVersion?: EtcdVersion;
  /** Why the tag names no release (the version must then come from `--etcd-version`). */
  readonly imageVersionProblem?: string;
  readonly container?: string;
  /** Config file: keys etcd does not read (it ignores unknown keys silently). */
  readonly ignoredKeys: readonly string[];
}

/** The flags as a map, later values winning (what etcd ends up with). */
export function flagMap(setup: Pick<EtcdSetup, 'flags'>): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const flag of setup.flags) flags[flag.name] = flag.value;
  return flags;
}

/** Reads and parses `path`; refuses what is none of the three shapes. */
export async function readEtcdSetup(path: string): Promise<EtcdSetup> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read \`--manifest ${path}\`: ${describeError(error)}.`, { cause: error });
  }
  return parseEtcdSetup(text, path);
}

const FLAG_LINE = /^\s*(?:etcd\s+)?--?[a-z0-9]/;

/** Parses the text of a manifest, config file or flag list (`path` only names it in messages). */
export function parseEtcdSetup(text: string, path: string): EtcdSetup {
  if (text.includes('\u0000'))
    throw new InputError(
      `\`--manifest ${path}\` is not YAML (it contains NUL bytes: a binary file?). Expected a kubeadm static-pod manifest, an etcd config file or a list of etcd flags.`,
    );
  const meaningful = text
    .split('\n')
    .map((line) => line.replace(/\\\s*$/, ''))
    .filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  if (meaningful.length > 0 && meaningful.every((line) => FLAG_LINE.test(line) || /^\s*etcd\s*$/.test(line)))
    return { path, kind: 'flag-list', flags: parseFlagList(text), ignoredKeys: [] };
  const documents = parseAllDocuments(text);
  const docs = Array.isArray(documents) ? documents : [documents];
  const broken = docs.find((doc) => doc.errors.length > 0);
  if (broken) {
    const error = broken.errors[0]!;
    const line = error.linePos?.[0]?.line;
    throw new InputError(
      `\`--manifest ${path}\` is not YAML: ${error.message.split('\n')[0]}${line ? ` (line ${line})` : ''}.`,
      {
        hint: 'Expected a kubeadm static-pod manifest (/etc/kubernetes/manifests/etcd.yaml), an etcd config file (--config-file YAML) or a list of etcd flags, one per line.',
        cause: error,
      },
    );
  }
  const values = docs
    .map((doc) => doc.toJS() as unknown)
    .filter((value) => value !== null && value !== undefined);
  if (values.length === 0)
    throw new InputError(
      `\`--manifest ${path}\` is empty: expected a static-pod manifest, a config file or flags.`,
    );
  const pod = values.find((value) => isRecord(value) && value.kind === 'Pod');
  if (pod) return readStaticPod(pod as Record<string, unknown>, path);
  const first = values[0];
  if (values.length === 1 && Array.isArray(first) && first.every((item) => typeof item === 'string'))
    return { path, kind: 'flag-list', flags: parseFlagList(first.join('\n')), ignoredKeys: [] };
  if (isRecord(first) && ('kind' in first || 'apiVersion' in first)) {
    throw new InputError(
      `\`--manifest ${path}\` is a Kubernetes \`${String(first.kind ?? 'object')}\`${first.apiVersion ? ` (${String(first.apiVersion)})` : ''}, not a Pod.`,
      {
        hint: 'Pass the etcd static-pod manifest (kubeadm writes it to /etc/kubernetes/manifests/etcd.yaml), an etcd config file or a list of flags.',
      },
    );
  }
  if (isRecord(first) && values.length === 1) return readConfigFile(first, path);
  throw new InputError(
    `\`--manifest ${path}\` is YAML but neither a Pod, an etcd config file nor a list of flags (it holds ${describeYaml(first)}).`,
    {
      hint: 'Expected a kubeadm static-pod manifest, an etcd config file (keys such as `name`, `election-timeout`) or lines such as `--election-timeout=5000`.',
    },
  );
}

function readStaticPod(pod: Record<string, unknown>, path: string): EtcdSetup {
  const spec = isRecord(pod.spec) ? pod.spec : {};
  const containers = (Array.isArray(spec.containers) ? spec.containers : []).filter(isRecord);
  const isEtcd = (container: Record<string, unknown>) => {
    const command = Array.isArray(container.command) ? container.command : [];
    const binary = typeof command[0] === 'string' ? command[0].split('/').pop() : undefined;
    return (
      container.name === 'etcd' ||
      binary === 'etcd' ||
      /(^|\/)etcd(:|@|$)/.test(String(container.image ?? ''))
    );
  };
  const container = containers.find(isEtcd);
  if (!container) {
    const names = containers.map(
      (entry) => `\`${String(entry.name ?? '?')}\` (${String(entry.image ?? 'no image')})`,
    );
    throw new InputError(
      `\`--manifest ${path}\` is a Pod without an etcd container (containers: ${names.length > 0 ? names.join(', ') : 'none'}).`,
      { hint: 'Expected a container named etcd, or running the etcd binary or an etcd image.' },
    );
  }
  const words = [
    ...(Array.isArray(container.command) ? container.command : []),
    ...(Array.isArray(container.args) ? container.args : []),
  ].map(String);
  const origins = words.map((_, index) =>
    index < (Array.isArray(container.command) ? container.command.length : 0)
      ? `command[${index}]`
      : `args[${index - (Array.isArray(container.command) ? container.command.length : 0)}]`,
  );
  const start = words[0] !== undefined && !words[0].startsWith('-') ? 1 : 0;
  const flags = parseWords(words.slice(start), origins.slice(start), path);
  const image = typeof container.image === 'string' ? container.image : undefined;
  const tag = image ? imageVersion(image) : { problem: 'the etcd container has no image' };
  return {
    path,
    kind: 'static-pod',
    flags,
    container: String(container.name ?? 'etcd'),
    ...(image ? { image } : {}),
    ...('version' in tag ? { imageVersion: tag.version } : { imageVersionProblem: tag.problem }),
    ignoredKeys: [],
  };
}

/**
 * The etcd release an image tag names: `registry.k8s.io/etcd:3.6.5-0` (kubeadm's tags add an image revision),
 * `gcr.io/etcd-development/etcd:v3.6.16`, `quay.io/coreos/etcd:v3.5.13`, with or without a digest.
 */
export function imageVersion(image: string): { version: EtcdVersion } | { problem: string } {
  const withoutDigest = image.split('@')[0] ?? image;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon <= slash) return { problem: `image \`${image}\` has no tag` };
  const tag = withoutDigest.slice(colon + 1);
  const match = /^v?(\d+\.\d+\.\d+)(?:-\d+)?$/.exec(tag);
  if (!match)
    return {
      problem: `image tag \`${tag}\` (of \`${image}\`) is not an etcd release such as 3.6.5-0 or v3.6.16`,
    };
  try {
    return { version: parseExactVersion(match[1]!) };
  } catch (error) {
    return { problem: `image tag \`${tag}\` names ${describeError(error)}` };
  }
}

/** `--name=value`, `--name value`, `-name=value`, bare booleans; `etcd`, comments and line continuations skipped. */
function parseFlagList(text: string): SetupFlag[] {
  const words: string[] = [];
  const origins: string[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.replace(/\\\s*$/, '').replace(/(^|\s)#.*$/, '');
    for (const word of line.trim().split(/\s+/).filter(Boolean)) {
      if (words.length === 0 && word === 'etcd') continue;
      words.push(word.replace(/^(['"])(.*)\1$/, '$2'));
      origins.push(`line ${index + 1}`);
    }
  });
  return parseWords(words, origins, 'the flag list');
}

function parseWords(words: readonly string[], origins: readonly string[], path: string): SetupFlag[] {
  const flags: SetupFlag[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index]!;
    const match = /^--?([a-z0-9][a-z0-9.-]*)(?:=(.*))?$/s.exec(word);
    if (!match)
      throw new InputError(
        `\`--manifest ${path}\`: expected an etcd flag such as \`--election-timeout=5000\` at ${origins[index]}, got \`${word}\`.`,
      );
    const name = match[1]!;
    let value = match[2];
    // Go's flag package: `--name value` for non-boolean flags; a boolean takes `--name` alone.
    const next = words[index + 1];
    if (
      value === undefined &&
      next !== undefined &&
      !next.startsWith('-') &&
      ETCD_FLAGS[name]?.type !== 'bool'
    ) {
      value = next;
      index++;
    }
    flags.push({ name, value: value ?? 'true', origin: origins[index] ?? '' });
  }
  return flags;
}

/** Config-file keys whose flag has another name (etcdmain/config.go configFromFile, embed/config.go configYAML). */
const TRANSPORT_KEYS: Readonly<Record<string, string>> = {
  'cert-file': 'cert-file',
  'key-file': 'key-file',
  'client-cert-file': 'client-cert-file',
  'client-key-file': 'client-key-file',
  'client-cert-auth': 'client-cert-auth',
  'trusted-ca-file': 'trusted-ca-file',
  'auto-tls': 'auto-tls',
  'crl-file': 'client-crl-file',
  'allowed-hostname': 'client-cert-allowed-hostname',
};
const PEER_TRANSPORT_KEYS: Readonly<Record<string, string>> = {
  'cert-file': 'peer-cert-file',
  'key-file': 'peer-key-file',
  'client-cert-file': 'peer-client-cert-file',
  'client-key-file': 'peer-client-key-file',
  'client-cert-auth': 'peer-client-cert-auth',
  'trusted-ca-file': 'peer-trusted-ca-file',
  'auto-tls': 'peer-auto-tls',
  'crl-file': 'peer-crl-file',
  'allowed-cn': 'peer-cert-allowed-cn',
  'allowed-hostname': 'peer-cert-allowed-hostname',
  'skip-client-san-verification': 'peer-skip-client-san-verification',
};
const RENAMED_KEYS: Readonly<Record<string, string>> = {
  // The config key and the flag really are spelled differently (embed/config.go, 3.5 and 3.6).
  'experimental-snapshot-catch-up-entries': 'experimental-snapshot-catchup-entries',
};

function readConfigFile(config: Record<string, unknown>, path: string): EtcdSetup {
  const flags: SetupFlag[] = [];
  const ignoredKeys: string[] = [];
  const add = (name: string, raw: unknown, origin: string) => {
    if (raw === null || raw === undefined || raw === '') return; // etcd's sample leaves unset keys empty
    const value = Array.isArray(raw)
      ? raw.map(String).join(',')
      : isRecord(raw)
        ? Object.entries(raw)
            .map(([key, item]) => `${key}=${String(item)}`)
            .join(',')
        : String(raw);
    flags.push({ name, value, origin });
  };
  for (const [key, raw] of Object.entries(config)) {
    const origin = `config key ${key}`;
    if (key === 'client-transport-security' || key === 'peer-transport-security') {
      const names = key === 'client-transport-security' ? TRANSPORT_KEYS : PEER_TRANSPORT_KEYS;
      for (const [inner, value] of Object.entries(isRecord(raw) ? raw : {})) {
        const flag = names[inner];
        if (flag) add(flag, value, `${origin}.${inner}`);
        else ignoredKeys.push(`${key}.${inner}`);
      }
    } else if (key === 'socket-options') {
      for (const [inner, value] of Object.entries(isRecord(raw) ? raw : {}))
        add(`socket-${inner}`, value, `${origin}.${inner}`);
    } else if (key in RENAMED_KEYS) {
      add(RENAMED_KEYS[key]!, raw, origin);
    } else if (key in ETCD_FLAGS) {
      add(key, raw, origin);
    } else {
      ignoredKeys.push(key);
    }
  }
  return { path, kind: 'config-file', flags, ignoredKeys };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeYaml(value: unknown): string {
  if (typeof value === 'string')
    return `the text \`${value.length > 60 ? `${value.slice(0, 57)}...` : value}\``;
  if (Array.isArray(value)) return 'a list that is not a list of flags';
  return `a ${typeof value}`;
}
