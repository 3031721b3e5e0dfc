// What faults and members need from a Toxiproxy server, whoever runs it (a local process or a container).
import type { Toxiproxy } from 'toxiproxy-node-client';

export interface ProxyInfo {
  readonly name: string;
  /** `host:port` the proxy listens on. */
  readonly listen: string;
  readonly upstream: string;
  readonly port: number;
}

/** One toxic on one direction of a proxy (Toxiproxy's terms: `upstream` flows to the upstream server). */
export interface ToxicRequest {
  readonly name: string;
  readonly type: 'latency' | 'bandwidth' | 'timeout' | 'reset_peer';
  readonly stream: 'upstream' | 'downstream';
  readonly attributes: Readonly<Record<string, number>>;
}

export interface ToxiproxyControl {
  /** HTTP API, e.g. `http://127.0.0.1:8474`. */
  readonly apiUrl: string;
  readonly client: Toxiproxy;
  setEnabled(proxy: string, enabled: boolean): Promise<void>;
  addToxic(proxy: string, toxic: ToxicRequest): Promise<void>;
  /** Removes a toxic; one that is already gone is fine. */
  removeToxic(proxy: string, toxic: string): Promise<void>;
}
