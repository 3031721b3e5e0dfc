// Maps the fixed paths a backup script written for a kubeadm control-plane node uses (kubeadm's etcd certificates,
// the local client endpoint, etcd's data dir, the etcdctl binary, the script's own backup directories) onto the
// drill's throwaway cluster, so that `drill` can run such a script as it is without it touching the host's real
// /etc/kubernetes, /var/lib/etcd or backup directories. A pure text rewrite of a copy of the script: the user's file
// is never changed, and the rewritten copy is kept as evidence with every substitution listed.

/** Where the drill keeps what a kubeadm script expects at fixed paths. */
export interface DrillPathTargets {
  /** A directory holding the drill cluster's CA and client certificate under kubeadm's file names. */
  readonly certDir: string;
  /** The client certificate and key (kubeadm's apiserver-etcd-client pair is mapped to these). */
  readonly clientCert: string;
  readonly clientKey: string;
  /** `host:port` of the member the script saves from. */
  readonly endpointHostPort: string;
  /** That member's data dir (kubeadm's /var/lib/etcd). */
  readonly dataDir: string;
  /** The directory with this run's etcdctl and etcdutl. */
  readonly binDir: string;
  readonly backupDir: string;
  readonly remoteDir: string;
}

/** The script's own directories: where it writes backups and where it copies them. */
export interface ScriptDirectories {
  readonly backupDirs: readonly string[];
  readonly remoteDirs: readonly string[];
}

/** The guide's backup script's directories ("Automated Backup with CronJob"). */
export const GUIDE_SCRIPT_DIRECTORIES: ScriptDirectories = {
  backupDirs: ['/backup/etcd'],
  remoteDirs: ['/nfs/etcd-backup'],
};

/** kubeadm's file names in /etc/kubernetes/pki/etcd that a backup script might name as its client credentials. */
export const KUBEADM_ETCD_CERT_NAMES = {
  ca: ['ca.crt'],
  cert: ['server.crt', 'peer.crt', 'healthcheck-client.crt'],
  key: ['server.key', 'peer.key', 'healthcheck-client.key'],
} as const;

export const KUBEADM_ETCD_PKI_DIR = '/etc/kubernetes/pki/etcd';

export interface PathRule {
  /** What the script says, as written in the report. */
  readonly from: string;
  readonly to: string;
  readonly pattern: RegExp;
}

export interface AppliedMapping {
  readonly from: string;
  readonly to: string;
  readonly count: number;
}

// A path ends where a path character does not follow: `/var/lib/etcd` matches in `/var/lib/etcd/member` and
// `"/var/lib/etcd"` but not in `/var/lib/etcd2` or `/var/lib/etcd-old`.
const PATH_END = '(?![A-Za-z0-9_.-])';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pathRule(from: string, to: string): PathRule {
  const trimmed = from.replace(/\/+$/, '');
  return { from: trimmed, to, pattern: new RegExp(`${escapeRegExp(trimmed)}${PATH_END}`, 'g') };
}

/**
 * The rules, most specific first: the apiserver's etcd client pair before the pki dir, the script's directories
 * before anything they might contain. Directories must be absolute; a relative one would match inside other paths.
 */
export function kubeadmPathRules(targets: DrillPathTargets, directories: ScriptDirectories): PathRule[] {
  for (const dir of [...directories.backupDirs, ...directories.remoteDirs])
    if (!dir.startsWith('/') || dir.replace(/\/+$/, '') === '')
      throw new Error(`a script directory to map must be an absolute path other than /, got \`${dir}\``);
  const rules: PathRule[] = [
    pathRule('/etc/kubernetes/pki/apiserver-etcd-client.crt', targets.clientCert),
    pathRule('/etc/kubernetes/pki/apiserver-etcd-client.key', targets.clientKey),
    pathRule(KUBEADM_ETCD_PKI_DIR, targets.certDir),
    ...directories.backupDirs.map((dir) => pathRule(dir, targets.backupDir)),
    ...directories.remoteDirs.map((dir) => pathRule(dir, targets.remoteDir)),
    pathRule('/var/lib/etcd', targets.dataDir),
  ];
  // An absolute etcdctl/etcdutl (`/usr/local/bin/etcdctl`) would bypass the drill's PATH, and with it the version
  // under test and the corrupt-save fault's wrapper.
  for (const tool of ['etcdctl', 'etcdutl'])
    rules.push({
      from: `/…/bin/${tool}`,
      to: `${targets.binDir}/${tool}`,
      pattern: new RegExp(`(?<![A-Za-z0-9_.-])(?:/[A-Za-z0-9_.-]+)*/bin/${tool}${PATH_END}`, 'g'),
    });
  // The local client endpoint kubeadm's etcd listens on; the scheme stays as the script wrote it.
  rules.push({
    from: '127.0.0.1:2379',
    to: targets.endpointHostPort,
    pattern: /(?<![0-9.])(?:127\.0\.0\.1|localhost|\[::1\]):2379(?![0-9])/g,
  });
  return rules;
}

/** Applies the rules in order; a later rule never rewrites what an earlier one produced. */
export function mapScriptPaths(
  script: string,
  rules: readonly PathRule[],
): { text: string; applied: AppliedMapping[] } {
  // Replace each match with a placeholder (private-use characters, not in a shell script) first, so that a target path (the drill's own dirs, which may contain
  // `/bin/etcdctl` or `/etcd`) is not matched again by a later rule.
  const placeholders: string[] = [];
  const applied: AppliedMapping[] = [];
  let text = script;
  for (const rule of rules) {
    let count = 0;
    text = text.replace(rule.pattern, () => {
      count++;
      placeholders.push(rule.to);
      return `\uE000${placeholders.length - 1}\uE001`;
    });
    if (count > 0) applied.push({ from: rule.from, to: rule.to, count });
  }
  return {
    text: text.replace(/\uE000(\d+)\uE001/g, (_, index: string) => placeholders[Number(index)]!),
    applied,
  };
}

/** Fixed paths left in a mapped script that point at a real node's etcd state: worth a warning in the report. */
export function unmappedKubePaths(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(/\/(?:etc\/kubernetes|var\/lib\/etcd)[A-Za-z0-9_./-]*/g))
    found.add(match[0]);
  return [...found].sort();
}
