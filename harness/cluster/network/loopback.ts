// The loopback plane: members on 127.0.0.1, ports chosen by the kernel, nothing to set up or tear down.
import { UnsupportedError } from '../../errors.js';
import { freePort } from '../ports.js';
import { LOOPBACK_ISOLATION_REASON, type MemberNetwork, type NetworkPlane } from './plane.js';

const HOST = '127.0.0.1';

export class LoopbackPlane implements NetworkPlane {
  readonly mode = 'loopback' as const;
  readonly clientProxyHost = HOST;
  readonly peerProxyHost = HOST;
  readonly sourceAddresses = [HOST];
  private readonly taken = new Set<number>();

  async attachMember(_label: string): Promise<MemberNetwork> {
    const client = await this.take();
    const peer = await this.take();
    const metrics = await this.take();
    const unsupported = async (): Promise<void> => {
      throw new UnsupportedError(
        `Cannot isolate a member on the loopback network plane: ${LOOPBACK_ISOLATION_REASON}.`,
      );
    };
    return {
      host: HOST,
      ports: { client, peer, metrics },
      namespace: undefined,
      canIsolate: false,
      wrapCommand: (argv) => [...argv],
      blockOutboundPeers: unsupported,
      unblockOutboundPeers: unsupported,
      cutLink: unsupported,
      restoreLink: unsupported,
      release: async () => {
        this.taken.delete(client);
        this.taken.delete(peer);
        this.taken.delete(metrics);
      },
    };
  }

  async dispose(): Promise<void> {
    this.taken.clear();
  }

  private async take(): Promise<number> {
    const port = await freePort(HOST, this.taken);
    this.taken.add(port);
    return port;
  }
}
