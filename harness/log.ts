// Namespaced loggers (`etcd-chaos:<subsystem>`), enabled with DEBUG=etcd-chaos:* or the CLI's --verbose.
import createDebug from 'debug';

export type Logger = createDebug.Debugger;

export function logger(subsystem: string): Logger {
  return createDebug(`etcd-chaos:${subsystem}`);
}

export function enableVerboseLogging(): void {
  const current = process.env.DEBUG;
  createDebug.enable(current ? `${current},etcd-chaos:*` : 'etcd-chaos:*');
}
