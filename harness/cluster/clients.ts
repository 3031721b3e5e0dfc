// etcd3 clients for the harness: one host per client (etcd3 shuffles hosts and retries elsewhere otherwise), no
// retries and no circuit breaker, so a fault shows up as a failed call instead of being hidden by the client.
import { readFileSync } from 'node:fs';
import { noop } from 'cockatiel';
import { Etcd3, type IOptions } from 'etcd3';

export interface ClientTls {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /**
   * The name to send as SNI and to verify the server certificate against, when it is not the endpoint's host (the
   * harness's clusters: endpoints are IP addresses, member certificates carry `localhost`). Unset: the host.
   */
  readonly serverName?: string;
}

export interface ClientOptions {
  readonly endpoints: readonly string[];
  readonly tls?: ClientTls;
  /** Dial timeout (default 5 s). */
  readonly dialTimeoutMs?: number;
  /** Deadline of each unary call (default 10 s; streams have none). */
  readonly callTimeoutMs?: number;
  /** Keep etcd3's default retry + circuit-breaker policy (off by default: faults must be visible). */
  readonly retries?: boolean;
}

export function createEtcdClient(options: ClientOptions): Etcd3 {
  const callTimeoutMs = options.callTimeoutMs ?? 10_000;
  const config: IOptions = {
    hosts: [...options.endpoints],
    dialTimeout: options.dialTimeoutMs ?? 5_000,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + callTimeoutMs }),
  };
  if (!options.retries) config.faultHandling = { host: () => noop, global: noop };
  if (options.tls) {
    // grpc-js sends the target host as TLS ServerName even when it is an IP address (grpc/grpc-node#1919), which
    // RFC 6066 forbids and Node warns about (DEP0123); naming the server avoids both.
    if (options.tls.serverName)
      config.grpcOptions = { 'grpc.ssl_target_name_override': options.tls.serverName };
    config.credentials = {
      rootCertificate: readFileSync(options.tls.caFile),
      ...(options.tls.certFile ? { certChain: readFileSync(options.tls.certFile) } : {}),
      ...(options.tls.keyFile ? { privateKey: readFileSync(options.tls.keyFile) } : {}),
    };
  }
  return new Etcd3(config);
}
