// Cluster-shaping options shared by `up`, `run` and friends, and their translation into a ClusterSpec.
import type { Command } from 'commander';
import { parseFlagArguments } from '../cluster/flags.js';
import type { NetworkModeRequest } from '../cluster/network/plane.js';
import { ClusterSpec } from '../cluster/spec.js';
import { describeSupportedVersions } from '../versions/catalog.js';
import { collect, parseIntegerOption } from './options.js';

export interface ClusterOptions {
  etcdVersion: string;
  members?: number;
  tls?: boolean;
  flag?: string[];
  preset?: string;
  network: NetworkModeRequest;
  basePort?: number;
  dataDirSize?: number;
}

export function addClusterOptions(command: Command): Command {
  return command
    .option('--etcd-version <version>', `etcd version or line (${describeSupportedVersions()})`, 'default')
    .option(
      '--members <n>',
      'number of members: odd, 1 to 7',
      parseIntegerOption('--members', 'an odd integer from 1 to 7'),
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
    .option('--network <mode>', 'auto | netns (own network namespace per member, root) | loopback', 'auto')
    .option(
      '--base-port <port>',
      'client endpoints on fixed ports port, port+1, ... (default: free ports)',
      parseIntegerOption('--base-port', 'a TCP port number'),
    );
}

export function specFromOptions(options: ClusterOptions): ClusterSpec {
  const spec = ClusterSpec.etcd(options.etcdVersion);
  if (options.members !== undefined) spec.withMembers(options.members);
  if (options.tls) spec.withTls();
  if (options.preset) spec.withPreset(options.preset);
  if (options.flag?.length) spec.withFlags(parseFlagArguments(options.flag));
  spec.withNetwork(options.network);
  if (options.basePort !== undefined) spec.withBasePort(options.basePort);
  if (options.dataDirSize !== undefined) spec.withDataDirSizeLimit(options.dataDirSize);
  return spec;
}
