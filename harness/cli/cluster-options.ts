// Cluster-shaping options: the target (version, flags, TLS, network) shared by `up` and `run`, and the topology
// options only `up` takes (scenarios choose their own member counts).
import type { Command } from 'commander';
import { parseFlagArguments, presetFlags } from '../cluster/flags.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { ClusterSpec } from '../cluster/spec.js';
import type { ImageOverrides } from '../cluster/start-request.js';
import type { Backend } from '../cluster/types.js';
import { InputError } from '../errors.js';
import type { RunTarget } from '../scenario/types.js';
import { capabilitiesOf } from '../versions/capabilities.js';
import { describeSupportedVersions } from '../versions/catalog.js';
import { resolveVersion } from '../versions/version.js';
import { collect, parseIntegerOption } from './options.js';

export interface TargetOptions extends BackendOptions {
  etcdVersion: string;
  tls?: boolean;
  flag?: string[];
  preset?: string;
}

export interface ClusterOptions extends TargetOptions {
  members?: number;
  basePort?: number;
  dataDirSize?: number;
}

const NETWORKS: readonly NetworkModeRequest[] = ['auto', 'netns', 'loopback'];
const BACKENDS: readonly Backend[] = ['process', 'docker'];

export function addTargetOptions(command: Command): Command {
  command
    .option(
      '--etcd-version <version>',
      `etcd version or line (${describeSupportedVersions()}); \`run\` takes a comma-separated list (a matrix)`,
      'default',
    )
    .option('--tls', 'mTLS for client and peer traffic (CA and certificates generated for the run)')
    .option(
      '--flag <name=value>',
      'etcd flag for every member, repeatable (e.g. --flag snapshot-count=5000)',
      collect,
    )
    .option(
      '--preset <name>',
      "tuned flags: guide-tuned (the operations guide's manifest: quota 8 GiB, heartbeat 500, election 5000, ...)",
    )
    .option('--network <mode>', 'auto | netns (own network namespace per member, root) | loopback', 'auto');
  return addBackendOptions(command);
}

/** `--backend` and the docker backend's image references. */
export function addBackendOptions(command: Command): Command {
  return command
    .option(
      '--backend <backend>',
      'process (local etcd processes) | docker (containers via testcontainers); `run` takes a comma-separated list',
      'process',
    )
    .option(
      '--etcd-image <ref>',
      'docker backend: etcd image, {version} is replaced (default: the official image if present, else one built from the resolved binaries)',
    )
    .option(
      '--toxiproxy-image <ref>',
      'docker backend: Toxiproxy image (default: official if present, else built)',
    );
}

export function addClusterOptions(command: Command): Command {
  return addTargetOptions(command)
    .option(
      '--members <n>',
      'number of members: odd, 1 to 7',
      parseIntegerOption('--members', 'an odd integer from 1 to 7'),
    )
    .option(
      '--base-port <port>',
      'client endpoints on fixed ports port, port+1, ... (default: free ports)',
      parseIntegerOption('--base-port', 'a TCP port number'),
    )
    .option(
      '--data-dir-size <bytes>',
      'each data dir on a tmpfs of this size (root; enables the disk-full fault)',
      parseIntegerOption('--data-dir-size', 'a size in bytes'),
    );
}

/** The user's flags: the preset first, then `--flag`s (which win). Validated (managed flags refused). */
export function targetFlags(options: TargetOptions): Record<string, string> {
  return {
    ...(options.preset ? presetFlags(options.preset) : {}),
    ...parseFlagArguments(options.flag ?? []),
  };
}

/**
 * The matrix `run` covers: every `--etcd-version` × every `--backend` (each a comma-separated list), versions outer,
 * in the order given, duplicates dropped. Each entry is validated like a single value.
 */
export function targetsFromOptions(options: TargetOptions): RunTarget[] {
  const versions = listOf(options.etcdVersion, '--etcd-version');
  const backends = listOf(options.backend, '--backend');
  const targets: RunTarget[] = [];
  const seen = new Set<string>();
  for (const version of versions)
    for (const backend of backends) {
      const target = targetFromOptions({ ...options, etcdVersion: version, backend });
      const key = `${target.version}/${target.backend}`;
      if (seen.has(key)) continue;
      seen.add(key);
      targets.push(target);
    }
  return targets;
}

function listOf(value: string, option: string): string[] {
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry.length === 0))
    throw new InputError(`Expected \`${option}\` to be a value or a comma-separated list, got \`${value}\`.`);
  return entries;
}

/** One target: `up` and `rehearse-upgrade` take a single version and backend, not a list. */
export function targetFromOptions(options: TargetOptions): RunTarget {
  for (const [option, value] of [
    ['--etcd-version', options.etcdVersion],
    ['--backend', options.backend],
  ] as const)
    if (value.includes(','))
      throw new InputError(
        `\`${option} ${value}\` is a list; this command takes one value (lists are for \`run\`).`,
      );
  const { backend, images } = backendFromOptions(options);
  const version = resolveVersion(options.etcdVersion);
  return {
    version,
    capabilities: capabilitiesOf(version),
    flags: targetFlags(options),
    tls: Boolean(options.tls),
    network: options.network,
    backend,
    images,
  };
}

export interface BackendOptions {
  backend: string;
  network: NetworkModeRequest;
  etcdImage?: string;
  toxiproxyImage?: string;
}

/** The backend and its image references, validated together with `--network` (a process-backend option). */
export function backendFromOptions(options: BackendOptions): { backend: Backend; images: ImageOverrides } {
  if (!NETWORKS.includes(options.network)) {
    throw new InputError(
      `Expected \`--network\` to be one of ${NETWORKS.join(', ')}, got \`${options.network}\`.`,
    );
  }
  if (!BACKENDS.includes(options.backend as Backend)) {
    throw new InputError(
      `Expected \`--backend\` to be one of ${BACKENDS.join(', ')}, got \`${options.backend}\`.`,
    );
  }
  const backend = options.backend as Backend;
  if (backend === 'docker' && options.network !== 'auto') {
    throw new InputError(
      `\`--network ${options.network}\` is a process-backend option; the docker backend puts each cluster on its own docker network.`,
    );
  }
  if (backend !== 'docker' && (options.etcdImage || options.toxiproxyImage)) {
    throw new InputError('`--etcd-image` and `--toxiproxy-image` need `--backend docker`.');
  }
  return {
    backend,
    images: {
      ...(options.etcdImage ? { etcd: options.etcdImage } : {}),
      ...(options.toxiproxyImage ? { toxiproxy: options.toxiproxyImage } : {}),
    },
  };
}

/** The cluster `up` starts: the target (by default from the options; `--manifest` builds its own) and topology. */
export function specFromOptions(
  options: ClusterOptions,
  target: RunTarget = targetFromOptions(options),
): ClusterSpec {
  const spec = ClusterSpec.etcd(target.version)
    .withBackend(target.backend)
    .withImages(target.images)
    .withTls(target.tls, target.tlsKeyType ? { keyType: target.tlsKeyType } : {})
    .withNetwork(target.network);
  if (Object.keys(target.flags).length > 0) spec.withFlags(target.flags);
  if (options.members !== undefined) spec.withMembers(options.members);
  if (options.basePort !== undefined) spec.withBasePort(options.basePort);
  if (options.dataDirSize !== undefined) spec.withDataDirSizeLimit(options.dataDirSize);
  return spec;
}
