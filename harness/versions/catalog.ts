// The releases the harness knows, per supported line. A line alias (`3.6`) means the newest entry here.
// Refresh with `go list -m -versions go.etcd.io/etcd/server/v3` (the proxy's list can be incomplete).

export const SUPPORTED_LINES = ['3.4', '3.5', '3.6', '3.7'] as const;
export type EtcdLine = (typeof SUPPORTED_LINES)[number];

/** What Kubernetes ships today: the target when none is given. */
export const DEFAULT_LINE: EtcdLine = '3.6';
/** The newest line (`latest`). */
export const LATEST_LINE: EtcdLine = '3.7';

/**
 * Known releases, oldest first. 3.4 is Debian bookworm's `etcd-server` (3.4.23); its other patch releases
 * are only reachable through the official release download.
 */
export const KNOWN_RELEASES: Readonly<Record<EtcdLine, readonly string[]>> = {
  '3.4': ['3.4.23'],
  '3.5': ['3.5.21', '3.5.23', '3.5.31', '3.5.32', '3.5.33', '3.5.34', '3.5.35'],
  '3.6': ['3.6.0', '3.6.4', '3.6.5', '3.6.8', '3.6.12', '3.6.13', '3.6.14', '3.6.15', '3.6.16'],
  '3.7': ['3.7.0', '3.7.1', '3.7.2', '3.7.3'],
};

/** The Toxiproxy server release the harness builds or downloads. */
export const TOXIPROXY_VERSION = '2.12.0';

export function newestKnownRelease(line: EtcdLine): string {
  const releases = KNOWN_RELEASES[line];
  const newest = releases[releases.length - 1];
  if (!newest) throw new Error(`catalog has no release for ${line}`);
  return newest;
}

/** `3.4.23, 3.5.35, 3.6.16 (default), 3.7.3`: for error messages and `--help`. */
export function describeSupportedVersions(): string {
  return SUPPORTED_LINES.map(
    (line) => `${newestKnownRelease(line)}${line === DEFAULT_LINE ? ' (default)' : ''}`,
  ).join(', ');
}
