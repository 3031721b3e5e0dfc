// The cluster builder: what to start (version, members, flags, TLS, network), validated as it is built,
// ending in `start()`, which returns a started cluster to use with `await using` (start.ts picks the backend).
import type { EtcdBinaries } from '../binaries/types.js';
import { InputError } from '../errors.js';
import { assertFlagsAccepted } from '../versions/flag-check.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';
import { MIN_DATA_DIR_BYTES } from './data-dir-mount.js';
import type { EtcdCluster } from './etcd-cluster.js';
import { normalizeFlags, presetFlags } from './flags.js';
import type { NetworkModeRequest } from './network/plane.js';
import { type StartOptions, startCluster } from './start.js';
import type { DataDirInitializer, ImageOverrides, NormalizedClusterSpec } from './start-request.js';
import type { TlsKeyType } from './tls.js';
import type { Backend } from './types.js';

const NETWORK_MODES: readonly NetworkModeRequest[] = ['auto', 'loopback', 'netns'];
const BACKENDS: readonly Backend[] = ['process', 'docker'];

export class ClusterSpec {
  private version: EtcdVersion;
  private binaries: EtcdBinaries | undefined;
  private members = 3;
  private tls = false;
  private tlsKeyType: TlsKeyType | undefined;
  private flags: Record<string, string> = {};
  private memberFlags: Record<string, Record<string, string>> = {};
  private network: NetworkModeRequest = 'auto';
  private basePort: number | undefined;
  private name: string | undefined;
  private startTimeoutMs: number | undefined;
  private dataDirSizeLimitBytes: number | undefined;
  private dataDirInitializer: DataDirInitializer | undefined;
  private backend: Backend = 'process';
  private images: ImageOverrides = {};

  private constructor(version: EtcdVersion) {
    this.version = version;
  }

  /** A cluster of `version` (`'3.6'`, `'3.5.35'`, `'default'`, or an EtcdVersion). */
  static etcd(version: string | EtcdVersion = 'default'): ClusterSpec {
    return new ClusterSpec(resolveVersion(version));
  }

  /** A cluster of these already-resolved binaries. */
  static fromBinaries(binaries: EtcdBinaries): ClusterSpec {
    const spec = new ClusterSpec(binaries.version);
    spec.binaries = binaries;
    return spec;
  }

  withMembers(count: number): this {
    if (!Number.isInteger(count) || count < 1 || count > 7 || count % 2 === 0) {
      throw new InputError(
        `Expected \`--members\` to be an odd integer from 1 to 7, got \`${count}\` (${typeof count}).`,
        {
          hint: 'Raft needs a majority: even sizes add a member without adding fault tolerance.',
        },
      );
    }
    this.members = count;
    return this;
  }

  /** mTLS with certificates generated per run; `keyType` RSA only where a setup's cipher suites need it. */
  withTls(enabled = true, options: { readonly keyType?: TlsKeyType } = {}): this {
    this.tls = enabled;
    if (options.keyType) this.tlsKeyType = options.keyType;
    return this;
  }

  /** Adds cluster-wide etcd flags (`{ 'snapshot-count': 5000 }`); topology flags are refused. */
  withFlags(flags: Readonly<Record<string, string | number | boolean>>): this {
    Object.assign(this.flags, normalizeFlags(flags));
    return this;
  }

  /** Adds flags for one member (`m1`, `m2`, ...), on top of the cluster-wide ones. */
  withMemberFlags(member: string, flags: Readonly<Record<string, string | number | boolean>>): this {
    if (!/^m[1-7]$/.test(member))
      throw new InputError(`Expected a member name \`m1\`..\`m7\`, got \`${member}\`.`);
    this.memberFlags[member] = { ...this.memberFlags[member], ...normalizeFlags(flags) };
    return this;
  }

  /** Applies a preset (`guide-tuned`); flags given before or after it with the same name win over it. */
  withPreset(name: string): this {
    this.flags = { ...presetFlags(name), ...this.flags };
    return this;
  }

  /** `process` (default): local processes; `docker`: containers through testcontainers. */
  withBackend(backend: Backend): this {
    if (!BACKENDS.includes(backend)) {
      throw new InputError(`Expected \`--backend\` to be one of ${BACKENDS.join(', ')}, got \`${backend}\`.`);
    }
    this.backend = backend;
    return this;
  }

  /** Image references for the docker backend instead of the official or locally built ones. */
  withImages(images: ImageOverrides): this {
    this.images = { ...this.images, ...images };
    return this;
  }

  withNetwork(mode: NetworkModeRequest): this {
    if (!NETWORK_MODES.includes(mode)) {
      throw new InputError(
        `Expected \`--network\` to be one of ${NETWORK_MODES.join(', ')}, got \`${mode}\`.`,
      );
    }
    this.network = mode;
    return this;
  }

  /** Client endpoints on fixed ports `port`, `port+1`, ... instead of free ones. */
  withBasePort(port: number): this {
    if (!Number.isInteger(port) || port < 1024 || port > 65_535 - 7) {
      throw new InputError(`Expected \`--base-port\` to be an integer from 1024 to 65528, got \`${port}\`.`);
    }
    this.basePort = port;
    return this;
  }

  withName(name: string): this {
    if (!/^[a-z][a-z0-9]{0,11}$/.test(name)) {
      throw new InputError(
        `Expected a cluster name of lower-case letters and digits (max 12), got \`${name}\`.`,
      );
    }
    this.name = name;
    return this;
  }

  /** Puts each member's data dir on a size-limited tmpfs (root only), so the `disk-full` fault can fill it. */
  withDataDirSizeLimit(sizeBytes: number): this {
    if (!Number.isInteger(sizeBytes) || sizeBytes < MIN_DATA_DIR_BYTES) {
      throw new InputError(
        `Expected \`--data-dir-size\` to be at least ${MIN_DATA_DIR_BYTES} bytes (etcd preallocates 64 MiB WAL segments), got \`${sizeBytes}\`.`,
      );
    }
    this.dataDirSizeLimitBytes = sizeBytes;
    return this;
  }

  /** Prepares every member's data dir before the first start, e.g. restoring a snapshot into it. */
  withDataDirInitializer(initializer: DataDirInitializer): this {
    this.dataDirInitializer = initializer;
    return this;
  }

  withStartTimeout(timeoutMs: number): this {
    this.startTimeoutMs = timeoutMs;
    return this;
  }

  toSpec(): NormalizedClusterSpec {
    if (this.backend === 'docker' && this.network !== 'auto') {
      throw new InputError(
        `\`--network ${this.network}\` is a process-backend option; the docker backend puts each cluster on its own docker network.`,
      );
    }
    if (this.backend === 'docker' && this.basePort !== undefined) {
      throw new InputError(
        '`--base-port` is a process-backend option; docker clusters publish free 127.0.0.1 ports.',
      );
    }
    for (const member of Object.keys(this.memberFlags)) {
      if (Number(member.slice(1)) > this.members) {
        throw new InputError(
          `Flags were given for member \`${member}\`, but the cluster has ${this.members} members.`,
        );
      }
    }
    // What this release would refuse (unknown or removed flags, values, election vs heartbeat), quoting etcd.
    assertFlagsAccepted(this.version, this.flags);
    for (const [member, flags] of Object.entries(this.memberFlags))
      assertFlagsAccepted(this.version, { ...this.flags, ...flags }, `the flags of ${member}`);
    return {
      version: this.version,
      binaries: this.binaries,
      members: this.members,
      tls: this.tls,
      ...(this.tlsKeyType ? { tlsKeyType: this.tlsKeyType } : {}),
      flags: { ...this.flags },
      memberFlags: structuredClone(this.memberFlags),
      network: this.network,
      basePort: this.basePort,
      name: this.name,
      backend: this.backend,
      startTimeoutMs: this.startTimeoutMs,
      dataDirSizeLimitBytes: this.dataDirSizeLimitBytes,
      dataDirInitializer: this.dataDirInitializer,
      images: { ...this.images },
    };
  }

  /** Starts the cluster and waits until every member reports healthy. */
  start(options: StartOptions = {}): Promise<EtcdCluster> {
    return startCluster(this.toSpec(), options);
  }
}
