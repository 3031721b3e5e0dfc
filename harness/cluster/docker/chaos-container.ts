// testcontainers' GenericContainer with what the docker backend needs and the base class does not offer: ports
// published on 127.0.0.1 only, network aliases given at create time (GenericContainer connects aliased containers to
// the default bridge first), a hook between create and start (attach the log stream before etcd writes a line), and
// no readiness wait (members only become healthy together; the cluster waits for that itself).
import type Dockerode from 'dockerode';
import { GenericContainer, type WaitStrategy } from 'testcontainers';

export interface PublishedPort {
  readonly container: number;
  readonly host: number;
}

class StartedAtOnce implements WaitStrategy {
  private timeoutMs = 60_000;
  async waitUntilReady(): Promise<void> {}
  withStartupTimeout(timeoutMs: number): WaitStrategy {
    this.timeoutMs = timeoutMs;
    return this;
  }
  isStartupTimeoutSet(): boolean {
    return true;
  }
  getStartupTimeout(): number {
    return this.timeoutMs;
  }
}

export class ChaosContainer extends GenericContainer {
  private created: ((containerId: string) => Promise<void>) | undefined;

  constructor(image: string) {
    super(image);
    this.withWaitStrategy(new StartedAtOnce());
  }

  /** Attaches to `network` only, reachable there as `aliases`. */
  onNetwork(network: string, aliases: readonly string[]): this {
    this.withNetworkMode(network);
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [network]: { Aliases: [...aliases] } } };
    return this;
  }

  /** Publishes container ports on 127.0.0.1:host only (never on every interface). */
  publishOnLoopback(ports: readonly PublishedPort[]): this {
    this.withExposedPorts(...ports.map((port) => ({ container: port.container, host: port.host })));
    const bindings: Dockerode.PortMap = {};
    for (const port of ports)
      bindings[`${port.container}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: String(port.host) }];
    this.hostConfig.PortBindings = { ...this.hostConfig.PortBindings, ...bindings };
    return this;
  }

  /** Named volumes and host dirs as `source:target[:mode]` binds. */
  withBinds(binds: readonly string[]): this {
    this.hostConfig.Binds = [...(this.hostConfig.Binds ?? []), ...binds];
    return this;
  }

  onCreated(hook: (containerId: string) => Promise<void>): this {
    this.created = hook;
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    await this.created?.(containerId);
  }
}
