// Mapping a kubeadm node's backup script onto the drill: every fixed path the guide's script (as the guide prints it)
// uses is rewritten, nothing else is, and a mapped path is never rewritten twice.
import { describe, expect, it } from 'vitest';
import {
  type DrillPathTargets,
  GUIDE_SCRIPT_DIRECTORIES,
  kubeadmPathRules,
  mapScriptPaths,
  unmappedKubePaths,
} from '../../harness/backups/script-paths.js';

// The drill's own dirs contain `/bin/etcdctl` and `/etcd`: a rule must not rewrite another rule's output.
const targets: DrillPathTargets = {
  certDir: '/tmp/run/drill-1/pki-etcd',
  clientCert: '/tmp/run/tls/client.crt',
  clientKey: '/tmp/run/tls/client.key',
  endpointHostPort: '10.77.0.12:20001',
  dataDir: '/tmp/run/m1/var/lib/etcd',
  binDir: '/tmp/run/drill-1/bin',
  backupDir: '/tmp/run/drill-1/backup',
  remoteDir: '/tmp/run/drill-1/remote',
};

// The guide's "Automated Backup with CronJob" script as printed (kubeadm paths written in), abridged.
const GUIDE_AS_PRINTED = `#!/bin/bash
BACKUP_DIR="/backup/etcd"
TIMESTAMP=$(date +%Y%m%d-%H%M%S)
BACKUP_FILE="$BACKUP_DIR/etcd-$TIMESTAMP.db"
mkdir -p $BACKUP_DIR
export ETCDCTL_API=3
etcdctl snapshot save $BACKUP_FILE \\
  --endpoints=https://127.0.0.1:2379 \\
  --cacert=/etc/kubernetes/pki/etcd/ca.crt \\
  --cert=/etc/kubernetes/pki/etcd/server.crt \\
  --key=/etc/kubernetes/pki/etcd/server.key
cp $BACKUP_FILE /nfs/etcd-backup/
find /nfs/etcd-backup/ -name "etcd-*.db" -mtime +14 -delete
`;

describe('kubeadm path mapping for drill scripts', () => {
  const rules = kubeadmPathRules(targets, GUIDE_SCRIPT_DIRECTORIES);

  it("maps every fixed path of the guide's script and reports each substitution", () => {
    const { text, applied } = mapScriptPaths(GUIDE_AS_PRINTED, rules);
    expect(text).toContain('BACKUP_DIR="/tmp/run/drill-1/backup"');
    expect(text).toContain('--endpoints=https://10.77.0.12:20001 ');
    expect(text).toContain('--cacert=/tmp/run/drill-1/pki-etcd/ca.crt');
    expect(text).toContain('--key=/tmp/run/drill-1/pki-etcd/server.key');
    expect(text).toContain('cp $BACKUP_FILE /tmp/run/drill-1/remote/');
    expect(text).toContain('find /tmp/run/drill-1/remote/ -name');
    expect(text).not.toMatch(/\/etc\/kubernetes|127\.0\.0\.1|\/backup\/etcd|\/nfs\//);
    expect(unmappedKubePaths(text)).toEqual([]);
    expect(applied).toEqual([
      { from: '/etc/kubernetes/pki/etcd', to: targets.certDir, count: 3 },
      { from: '/backup/etcd', to: targets.backupDir, count: 1 },
      { from: '/nfs/etcd-backup', to: targets.remoteDir, count: 2 },
      { from: '127.0.0.1:2379', to: targets.endpointHostPort, count: 1 },
    ]);
  });

  it('leaves a script that reads the environment as it is', () => {
    const script = 'etcdctl snapshot save "$ETCD_BACKUP_DIR/x.db" --endpoints="$ETCD_ENDPOINTS"\n';
    expect(mapScriptPaths(script, rules)).toEqual({ text: script, applied: [] });
  });

  it('maps whole path components only', () => {
    const { text } = mapScriptPaths(
      'ls /var/lib/etcd2 /var/lib/etcd-old /backup/etcdx /var/lib/etcd/member\n',
      rules,
    );
    expect(text).toBe(`ls /var/lib/etcd2 /var/lib/etcd-old /backup/etcdx ${targets.dataDir}/member\n`);
  });

  it("maps kubeadm's apiserver client pair, an absolute etcdctl and localhost, but not other ports", () => {
    const script = [
      '/usr/local/bin/etcdctl --cert=/etc/kubernetes/pki/apiserver-etcd-client.crt \\',
      '  --key=/etc/kubernetes/pki/apiserver-etcd-client.key --endpoints=https://localhost:2379,https://127.0.0.1:23790',
      '/opt/etcd/bin/etcdutl snapshot status x.db',
    ].join('\n');
    const { text } = mapScriptPaths(script, rules);
    expect(text).toBe(
      [
        `${targets.binDir}/etcdctl --cert=${targets.clientCert} \\`,
        `  --key=${targets.clientKey} --endpoints=https://${targets.endpointHostPort},https://127.0.0.1:23790`,
        `${targets.binDir}/etcdutl snapshot status x.db`,
      ].join('\n'),
    );
  });

  it('names fixed node paths it does not map', () => {
    const { text } = mapScriptPaths('cat /etc/kubernetes/manifests/etcd.yaml\n', rules);
    expect(unmappedKubePaths(text)).toEqual(['/etc/kubernetes/manifests/etcd.yaml']);
  });

  it('refuses a relative or root script directory', () => {
    expect(() => kubeadmPathRules(targets, { backupDirs: ['backup'], remoteDirs: [] })).toThrow(/absolute/);
    expect(() => kubeadmPathRules(targets, { backupDirs: ['/'], remoteDirs: [] })).toThrow(/absolute/);
  });
});
