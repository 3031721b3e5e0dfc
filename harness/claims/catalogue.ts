// The claims etcd-chaos checks: what the etcd operations guide ("Kubernetes etcd Operations Guide: From Backup &
// Restore to Cluster Performance Tuning", MaGe Linux Operations; see the README) and etcd's own documentation say,
// each with an id and its source. Scenarios name these ids; findings carry them. User scenarios may declare claims
// of their own (ClaimCatalogue).
import { InputError } from '../errors.js';

export interface Claim {
  /** A built-in ClaimId, or the id a user scenario declared. */
  readonly id: string;
  readonly title: string;
  /** The claim as a testable statement. */
  readonly statement: string;
  /** Where it is documented: a guide section and/or an etcd documentation page. */
  readonly source: string;
}

export const CLAIM_IDS = [
  'backup.snapshot-status',
  'backup.corrupt-detected',
  'restore.complete',
  'restore.loses-after-snapshot',
  'restore.refuses-existing-dir',
  'restore.bump-revision',
  'restore.single-key',
  'quorum.one-loss',
  'quorum.two-loss',
  'member.replace',
  'quota.nospace',
  'quota.recovery',
  'defrag.shrinks',
  'compaction.periodic',
  'tuning.churn',
  'tuning.failover-cost',
  'metrics.exposed',
  'alerts.thresholds',
  'alerts.coverage',
  'dashboards.metrics',
  'upgrade.rolling',
  'upgrade.no-skip',
  'downgrade.supported',
  'upgrade.snapshot-compat',
  'tls.mismatch',
  'backup.intact',
  'backup.restorable',
  'backup.matches-live',
  'backup.fresh',
  'backup.retention',
  'backup.encryption',
  'backup.script-honest',
  'restore.cross-version',
  'k8s.full-restore',
  'k8s.watch-after-restore',
  'k8s.crd-recovery',
  'k8s.encryption-at-rest',
  'k8s.key-rotation',
  'k8s.apiserver-under-faults',
  'k8s.connection-refused',
  'k8s.version-matrix',
  'compat.kubeadm-etcd',
  'tuning.recommendation',
  'backup.io-impact',
  'defrag.blocking',
  'network.peer-rtt',
  'tuning.snapshot-retention',
  'memory.footprint',
  'quota.production',
] as const;

export type ClaimId = (typeof CLAIM_IDS)[number];

const GUIDE = 'etcd operations guide';

const CLAIMS: Readonly<Record<ClaimId, Omit<Claim, 'id'>>> = {
  'backup.snapshot-status': {
    title: 'snapshot save under load yields a consistent snapshot',
    statement:
      '`snapshot save` taken under load yields a file whose status (hash, revision, total keys, size) is consistent',
    source: `${GUIDE}, "Manual Backup" (snapshot save, snapshot status); etcd docs op-guide/recovery.md "Snapshotting the keyspace"`,
  },
  'backup.corrupt-detected': {
    title: 'a corrupt snapshot is rejected',
    statement: 'a truncated or bit-flipped snapshot is rejected by status/restore with a clear error',
    source: `${GUIDE}, "Snapshot restore failure" ("Verify snapshot integrity", "corrupted upload"); etcd docs op-guide/recovery.md (snapshot integrity hash)`,
  },
  'restore.complete': {
    title: 'restore yields a working cluster with every acknowledged write',
    statement:
      'restore into fresh data dirs yields a working 3-node cluster holding every acknowledged write up to the snapshot revision, values intact',
    source: `${GUIDE}, "Full Cluster Failure"; etcd docs op-guide/recovery.md "Restoring a cluster"`,
  },
  'restore.loses-after-snapshot': {
    title: 'writes after the snapshot are lost by a restore',
    statement:
      'writes acknowledged after the snapshot are absent after restore (documented data loss window)',
    source: `${GUIDE}, "FAQ Highlights" ("Snapshot restore loses data after the snapshot point")`,
  },
  'restore.refuses-existing-dir': {
    title: 'restore refuses an existing data dir',
    statement: 'restore into an existing, non-empty data dir is refused (the wrong `--data-dir` accident)',
    source: `${GUIDE}, "Problem Background" (wrong --data-dir during snapshot restore); etcd docs op-guide/recovery.md`,
  },
  'restore.bump-revision': {
    title: 'restore can bump revisions and mark them compacted',
    statement:
      'with `--bump-revision` and `--mark-compacted` (3.5.10+, 3.6 via etcdutl) the restored revision is above every revision clients saw and watches from older revisions end with a compacted error',
    source:
      'etcd docs op-guide/recovery.md (--bump-revision, --mark-compacted); Kubernetes "Operating etcd clusters" (restoring)',
  },
  'restore.single-key': {
    title: 'one deleted key can be recovered from a snapshot',
    statement: 'one deleted key (e.g. a CRD) can be recovered from a snapshot without restoring the cluster',
    source: `${GUIDE}, "CRD Deletion"`,
  },
  'quorum.one-loss': {
    title: 'a 3-node cluster survives one member loss',
    statement: 'a 3-node cluster keeps accepting writes with one member lost',
    source: `${GUIDE}, "Single Node Failure" and "FAQ Highlights" ("a 3-node cluster tolerates one node loss"); etcd docs op-guide/failures.md`,
  },
  'quorum.two-loss': {
    title:
      'with two members lost, linearizable requests stop, serializable reads go on, recovery loses nothing',
    statement:
      'with two members lost, linearizable writes and reads fail (time out) and serializable reads still answer; the cluster recovers when a member returns, nothing acknowledged is lost',
    source:
      'etcd docs op-guide/failures.md "Majority failure"; etcd docs learning/api_guarantees.md (serializable reads)',
  },
  'member.replace': {
    title: 'a failed member can be replaced',
    statement: 'remove a failed member, add a fresh one, it catches up',
    source: `${GUIDE}, "Single Node Failure" (etcdctl member remove, re-add); etcd docs op-guide/runtime-configuration.md "Replace a failed machine"`,
  },
  'quota.nospace': {
    title: 'past the quota, writes fail with NOSPACE and reads/deletes work',
    statement:
      'past `--quota-backend-bytes` writes fail with `mvcc: database space exceeded` and the NOSPACE alarm is raised; reads and deletes still work',
    source: `${GUIDE}, "Important flags" (--quota-backend-bytes) and "mvcc: database space exceeded"; etcd docs op-guide/maintenance.md "Space quota"`,
  },
  'quota.recovery': {
    title: 'compact + defrag + disarm restores writes',
    statement: 'compact + defrag + alarm disarm restores writes',
    source: `${GUIDE}, "mvcc: database space exceeded" (defrag); etcd docs op-guide/maintenance.md "Space quota" (compact, defrag, alarm disarm)`,
  },
  'defrag.shrinks': {
    title: 'defrag shrinks the database',
    statement: "after compaction, defrag shrinks each member's db size towards db size in use",
    source: `${GUIDE}, "mvcc: database space exceeded" (defrag); etcd docs op-guide/maintenance.md "Defragmentation"`,
  },
  'compaction.periodic': {
    title: 'periodic auto-compaction compacts on schedule',
    statement: '`--auto-compaction-mode=periodic` with a retention compacts old revisions on schedule',
    source: `${GUIDE}, "Startup Flags" and "Important flags" (--auto-compaction-mode/--auto-compaction-retention); etcd docs op-guide/maintenance.md "Auto Compaction"`,
  },
  'tuning.churn': {
    title: 'longer heartbeat/election timeouts reduce leader churn',
    statement:
      'under network jitter or fsync spikes, longer `--heartbeat-interval`/`--election-timeout` give fewer leader changes than the defaults (100/1000 ms)',
    source: `${GUIDE}, "Important flags" ("longer values reduce election churn caused by network jitter or disk I/O spikes") and "Frequent leader elections"; etcd docs tuning.md "Time parameters"`,
  },
  'tuning.failover-cost': {
    title: 'the price: failover takes longer with a longer election timeout',
    statement: 'after leader loss, time to a new leader grows with the election timeout',
    source:
      'etcd docs tuning.md "Time parameters" (the election timeout is how long a follower waits before campaigning)',
  },
  'metrics.exposed': {
    title: 'the metrics listener serves the metrics the guide names',
    statement: '`--listen-metrics-urls` serves the metrics named in the guide',
    source: `${GUIDE}, "Monitoring" (metrics on port 2381; leader_changes_seen_total, disk_writes_total, wal_fsync_duration_seconds, backend_commit_duration_seconds, debugging_mvcc_db_total_size_in_bytes)`,
  },
  'alerts.thresholds': {
    title: "the guide's alerts fire under their fault and stay quiet without it",
    statement:
      'each alert in the guide fires under its fault and stays quiet without it (wal fsync p99 > 10 ms, backend commit p99 > 25 ms, > 2 leader changes a minute, db size > 80 % of quota)',
    source: `${GUIDE}, "Monitoring" (alert thresholds) and "Disk I/O" (wal_fsync p99 < 10 ms)`,
  },
  'alerts.coverage': {
    title: "each failure mode pages through an alert of the guide or of etcd's mixin",
    statement:
      "for each fault the harness injects (leader loss, quorum loss, peer latency, fsync delay, disk full, NOSPACE, member down), at least one alert of the guide's rules or of etcd's own mixin reaches firing in a real Prometheus, and the alerts meant for that failure fire",
    source: `${GUIDE}, "Monitoring" (alert thresholds); etcd contrib/mixin/alerts/alerts.libsonnet (etcd's own alerts, rendered into alerts/etcd-mixin.rules.yml)`,
  },
  'dashboards.metrics': {
    title: 'the dashboards the guide and etcd point to read metrics etcd serves',
    statement:
      "every metric the community dashboard the guide names (Grafana 3070) and etcd's own dashboard (contrib/mixin) read is served by the metrics listener",
    source: `${GUIDE}, "Monitoring" ("Import Grafana dashboard ID 3070"); etcd contrib/mixin/dashboards (etcd's own dashboard); facts in harness/claims/dashboards.ts`,
  },
  'upgrade.rolling': {
    title: 'a rolling upgrade keeps quorum and every acknowledged write',
    statement:
      'a rolling upgrade one minor version at a time keeps quorum and every acknowledged write; the cluster version moves only when all members run the new version',
    source: `${GUIDE}, "etcd Upgrade Procedure"; etcd docs upgrades/upgrade_3_5.md, upgrade_3_6.md`,
  },
  'upgrade.no-skip': {
    title: 'skipping a minor version is refused',
    statement: 'skipping a minor version (3.4 → 3.6) is refused',
    source: `${GUIDE}, "Version Compatibility" ("Do not skip major etcd versions"); etcd docs upgrades/upgrade_3_6.md`,
  },
  'downgrade.supported': {
    title: 'a 3.6 cluster can be downgraded one minor version',
    statement:
      'from 3.6: `downgrade enable`, then member-by-member binary swap (leader last) returns to the previous minor with data intact',
    source: 'etcd docs downgrades/downgrade_3_6.md',
  },
  'upgrade.snapshot-compat': {
    title: "an older version's snapshot restores on the newer one",
    statement: 'a snapshot from the old version restores on the new one',
    source: `${GUIDE}, "Snapshot restore failure" ("Try restoring with a different etcd version"); etcd docs op-guide/recovery.md`,
  },
  'tls.mismatch': {
    title: 'a client with the wrong CA or certificate is refused, and health checks say why',
    statement: 'a client with a wrong CA or certificate is refused, and health checks report why',
    source: `${GUIDE}, "apiserver connection refused" (endpoint health; "certificate mismatch"); etcd docs op-guide/security.md`,
  },
  'backup.intact': {
    title: 'a backup file is an intact etcd snapshot',
    statement:
      "a backup file carries etcd's SHA-256 trailer and matches it, is a consistent bbolt database (not truncated), and was not changed while it was checked",
    source: `${GUIDE}, "Snapshot restore failure" ("Verify snapshot integrity", "corrupted upload"); etcd etcdutl/snapshot/v3_snapshot.go (SHA-256 trailer, bbolt tx.Check)`,
  },
  'backup.restorable': {
    title: 'a backup file restores into a working member holding exactly its data',
    statement:
      "a backup restores into fresh data dirs, the restored member starts, and its revision, key count and KV hash at the snapshot revision equal the file's",
    source: `${GUIDE}, "Backup Strategy Summary" ("Verification: perform a restore test at least once per month"), "Full Cluster Failure"; etcd docs op-guide/recovery.md`,
  },
  'backup.matches-live': {
    title: 'a backup holds what the live cluster held at its revision',
    statement:
      'the live cluster at the snapshot revision holds the same keys (with the same modification revisions) as the backup',
    source: `${GUIDE}, "Backup Strategy Summary" ("Verification"); etcd docs op-guide/recovery.md`,
  },
  'backup.fresh': {
    title: 'a recent restorable backup exists, with no gap longer than the schedule',
    statement:
      'the newest restorable backup is younger than the schedule allows (daily by default) and consecutive backups are no farther apart',
    source: `${GUIDE}, "Backup Strategy Summary" ("Frequency: at least daily"), "Automated Backup with CronJob"`,
  },
  'backup.retention': {
    title: 'backups are kept as long as the strategy says, and no longer deleted',
    statement:
      'local backups cover 7 days and remote copies at least 30 days; a retention step deletes exactly what it promises and never the newest good backup',
    source: `${GUIDE}, "Backup Strategy Summary" ("Retention: keep local backups for 7 days, remote copies for ≥30 days"), "Automated Backup with CronJob" (find -mtime +7 / +$RETENTION_DAYS)`,
  },
  'backup.encryption': {
    title: 'an encrypted backup decrypts byte for byte with its key',
    statement:
      'a snapshot encrypted with gpg or openssl decrypts with the right key to the identical file, and the wrong key does not decrypt it',
    source: `${GUIDE}, "Backup Strategy Summary" ("encrypt files locally with gpg or openssl")`,
  },
  'backup.script-honest': {
    title: "a backup script's exit status says whether it wrote a good backup",
    statement:
      'a backup script exits 0 only after writing a complete, restorable snapshot, and its verification step fails on a corrupt one',
    source: `${GUIDE}, "Automated Backup with CronJob" (set -euo pipefail; etcdctl snapshot status "verifies" the file); etcd 3.6 CHANGELOG (snapshot status moved to etcdutl)`,
  },
  'restore.cross-version': {
    title: "a snapshot restores with the neighbouring minor version's tools",
    statement: "a snapshot from 3.N restores with 3.N+1's tools, and one from 3.N+1 with 3.N's",
    source: `${GUIDE}, "Snapshot restore failure" ("Try restoring with a different etcd version in a container")`,
  },
  'k8s.full-restore': {
    title: "the guide's full-cluster restore brings every Kubernetes object back",
    statement:
      "after all members lose their data, the guide's procedure (stop kube-apiserver, `etcdctl snapshot restore` into fresh data dirs, start etcd, start kube-apiserver) serves every object of the snapshot with its content and nothing written after it",
    source: `${GUIDE}, "Full Cluster Failure"; etcd docs op-guide/recovery.md "Restoring a cluster"`,
  },
  'k8s.watch-after-restore': {
    title: 'Kubernetes clients resuming across a restore are told to relist',
    statement:
      'list+watch clients (informers) resuming from their last resourceVersion after a restore get 410 Gone ("too old resource version"), relist, and end with the server\'s state; the resourceVersions of the events and lists they receive never go backwards and no event is missed, which is what `--bump-revision --mark-compacted` are for (a restored object itself is back at its snapshot resourceVersion either way)',
    source: `${GUIDE}, "Full Cluster Failure" (the procedure has no --bump-revision); etcd docs op-guide/recovery.md (--bump-revision, --mark-compacted); Kubernetes docs "Operating etcd clusters for Kubernetes" (restoring an etcd cluster); Kubernetes API concepts "Efficient detection of changes" (410 Gone)`,
  },
  'k8s.crd-recovery': {
    title: 'a deleted CRD and its custom resources can be recovered from a snapshot',
    statement:
      "a CRD deleted through the API can be recovered from a snapshot with the guide's command (`etcdctl get /registry/apiextensions.k8s.io/customresourcedefinitions/<name> ... -o json | jq -r '.value' | base64 -d > crd.yaml; kubectl apply -f crd.yaml`), and its custom resources with it",
    source: `${GUIDE}, "CRD Deletion"`,
  },
  'k8s.encryption-at-rest': {
    title:
      "Secrets encrypted with the guide's EncryptionConfiguration hold no plaintext in etcd or snapshots",
    statement:
      'with `--encryption-provider-config` (aescbc key1, then identity) Secrets are stored encrypted: no plaintext in etcd or in a snapshot; losing the key makes them unrecoverable',
    source: `${GUIDE}, "etcd Encryption at Rest" and "FAQ Highlights" ("loss makes secrets unrecoverable"); Kubernetes docs "Encrypting Confidential Data at Rest"`,
  },
  'k8s.key-rotation': {
    title: "the guide's key rotation leaves every Secret readable under the new key",
    statement:
      'placing the new key first, restarting the API server, letting secrets re-encrypt, then removing the old key leaves every Secret readable and stored under the new key',
    source: `${GUIDE}, "etcd Encryption at Rest" ("Rotate keys by placing the new key first, restarting the API server, letting secrets re-encrypt, then removing the old key"); Kubernetes docs "Encrypting Confidential Data at Rest" (rotating a decryption key)`,
  },
  'k8s.apiserver-under-faults': {
    title: 'what Kubernetes clients see when etcd fails',
    statement:
      "with one member lost the API keeps serving; with quorum lost writes fail with an error status and /readyz reports etcd, and the API recovers when quorum returns; under NOSPACE writes fail with the etcd error; slow fsync shows in the API server's etcd request latency",
    source: `${GUIDE}, "Common Failure Troubleshooting", "FAQ Highlights" (quorum), "mvcc: database space exceeded", "Disk I/O"; etcd docs op-guide/failures.md`,
  },
  'k8s.connection-refused': {
    title: 'an API server whose etcd certificate does not match: what its log and `endpoint health` say',
    statement:
      "an API server whose etcd client certificate etcd does not trust never becomes ready, its log names the TLS failure, and the guide's `etcdctl endpoint health` with the same certificate reports it",
    source: `${GUIDE}, "apiserver connection refused" (check the apiserver logs, verify etcd health; "Typical causes: ... certificate mismatch")`,
  },
  'k8s.version-matrix': {
    title: 'kube-apiserver releases against etcd lines: starts, serves, watches',
    statement:
      'each supported kube-apiserver release starts against each etcd line, serves reads and writes, and delivers watch events',
    source: `${GUIDE}, "Version Compatibility"; Kubernetes docs "Operating etcd clusters for Kubernetes" (supported etcd versions)`,
  },
  'tuning.recommendation': {
    title: "etcd's tuning rule gives a heartbeat/election pair without churn in the modelled environment",
    statement:
      "for an environment profile (peer RTT and jitter, fsync latency with stalls), the pair with the shortest election timeout that satisfies etcd's rule (heartbeat ≈ max peer RTT, election ≥ 10 × heartbeat) with a margin over the longest stall sees no leader change under that profile (`etcd-chaos tune`)",
    source: `${GUIDE}, "Frequent leader elections" and "Important flags" (--election-timeout, --heartbeat-interval); etcd docs tuning.md "Time parameters"`,
  },
  'compat.kubeadm-etcd': {
    title: "the guide's Kubernetes/etcd version table matches the etcd kubeadm installs",
    statement:
      'Kubernetes 1.24–1.27 uses etcd 3.5.4–3.5.6, 1.28–1.29 uses 3.5.9–3.5.12, 1.30+ prefers 3.5.13+: checked against the etcd release kubeadm pins for each minor (a static check of the table; running API servers against etcd is k8s.version-matrix)',
    source: `${GUIDE}, "Version Compatibility"; kubeadm cmd/kubeadm/app/constants/constants.go (DefaultEtcdVersion, SupportedEtcdVersion)`,
  },
  'backup.io-impact': {
    title: 'a snapshot save during traffic costs put latency (back up in low-traffic windows)',
    statement:
      '`snapshot save` of a production-size db while clients write raises put p99 or lowers throughput against the same windows without a snapshot: the I/O spike the guide tells operators to avoid by backing up in low-traffic windows',
    source: `${GUIDE}, "Manual Backup" ("totalKey in the thousands and totalSize between 100 MiB and 500 MiB. Run backups during low‑traffic windows to avoid I/O spikes")`,
  },
  'defrag.blocking': {
    title: 'defrag blocks the member it runs on; moving leadership first spares the cluster',
    statement:
      'while a member defragments, writes through it stall for about the length of the defrag; defragmenting the leader stalls writes through every member; transferring leadership away first (`etcdctl move-leader`) keeps the other members writing',
    source: `${GUIDE}, "mvcc: database space exceeded" (etcdctl defrag); etcd docs op-guide/maintenance.md "Defragmentation" (defragmenting "blocks the system from reading and writing data"); etcd-io/etcd#9222, etcd-io/etcd#20952, gardener/etcd-druid#1061 (15–21 s write stalls on 4 GB databases)`,
  },
  'network.peer-rtt': {
    title: 'put latency grows with peer RTT (keep it below 10 ms)',
    statement:
      'every write waits for a quorum round trip, so put latency grows by at least the peer RTT and throughput at a fixed number of requests in flight falls with it; the curve over 0–50 ms shows what an RTT above 10 ms costs',
    source: `${GUIDE}, "Network" ("Peer RTT should stay below 10 ms"); etcd docs tuning.md "Time parameters" (heartbeat interval around the round-trip time)`,
  },
  'tuning.snapshot-retention': {
    title: '--snapshot-count, --max-snapshots and --max-wals bound the files on disk',
    statement:
      'under sustained writes a member snapshots every `--snapshot-count` applied entries and keeps at most `--max-snapshots` .snap and `--max-wals` .wal files (etcd purges them every 30 s)',
    source: `${GUIDE}, "Startup Flags" (--max-snapshots=5, --max-wals=5, --snapshot-count=10000 "trigger snapshots more often in write‑heavy workloads"); etcd docs op-guide/configuration.md (snapshot-count, max-snapshots, max-wals)`,
  },
  'memory.footprint': {
    title: "member memory at a production keyspace is within the guide's 1–2 GB",
    statement:
      "an etcd member serving a production-size keyspace (after a full read of it, as kube-apiserver's start does) uses at most 2 GiB of resident memory; anonymous (heap) and file-backed (mmap'd bbolt) resident memory reported apart",
    source: `${GUIDE}, "Memory & CPU" ("etcd process uses 1‑2 GB; allocate ample page cache") and "FAQ Highlights"`,
  },
  'quota.production': {
    title: 'an 8 GiB quota with a production keyspace: NOSPACE and recovery',
    statement:
      "with the guide's --quota-backend-bytes=8 GiB and a production keyspace, writes past the quota fail with `mvcc: database space exceeded` and raise the NOSPACE alarm near 8 GiB; deleting, compacting, defragmenting and disarming restores writes (time to NOSPACE, recovery time and defrag time measured)",
    source: `${GUIDE}, "Startup Flags" (--quota-backend-bytes=8589934592), "Important flags" ("Production clusters typically set 8 GB‑32 GB") and "mvcc: database space exceeded"; etcd docs op-guide/maintenance.md "Space quota"`,
  },
};

export function claim(id: ClaimId): Claim {
  return { id, ...CLAIMS[id] };
}

export function allClaims(): Claim[] {
  return CLAIM_IDS.map(claim);
}

export function isClaimId(value: string): value is ClaimId {
  return (CLAIM_IDS as readonly string[]).includes(value);
}

/** A claim a user scenario declares for itself (it reports under it; the built-in ids stay the catalogue's). */
export interface ClaimDeclaration {
  /** Dotted, lower-case: `myteam.backup-age`. Must not be a built-in id. */
  readonly id: string;
  readonly title: string;
  /** The claim as a testable statement (defaults to the title). */
  readonly statement?: string;
  /** Where it is documented (a runbook section, a ticket, a doc URL). */
  readonly source: string;
}

const CLAIM_ID_PATTERN = /^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;

/**
 * The claims a run knows: the built-in catalogue plus what user scenarios declare. Findings take their title and
 * source from here, so a user claim is reported with its own source and never under a built-in id by accident.
 */
export class ClaimCatalogue {
  private constructor(
    private readonly byId: ReadonlyMap<string, Claim>,
    private readonly owners: ReadonlyMap<string, string>,
  ) {}

  static builtIn(): ClaimCatalogue {
    return new ClaimCatalogue(new Map(allClaims().map((entry) => [entry.id, entry])), new Map());
  }

  /** A catalogue with `declarations` of `owner` (a scenario id) added; InputError on a malformed or taken id. */
  with(owner: string, declarations: readonly ClaimDeclaration[]): ClaimCatalogue {
    const byId = new Map(this.byId);
    const owners = new Map(this.owners);
    for (const declaration of declarations) {
      const where = `scenario \`${owner}\` declares claim \`${declaration.id}\``;
      if (!CLAIM_ID_PATTERN.test(declaration.id))
        throw new InputError(`${where}: expected a dotted lower-case id such as \`myteam.backup-age\`.`);
      if (isClaimId(declaration.id))
        throw new InputError(`${where}, which is a built-in claim id.`, {
          hint: 'Pick an id of your own; to report under the built-in claim, list it in `claims` without declaring it.',
        });
      const previous = owners.get(declaration.id);
      if (previous) throw new InputError(`${where}, which scenario \`${previous}\` already declares.`);
      if (!declaration.title || !declaration.source)
        throw new InputError(`${where} without a title and a source (both are required).`);
      byId.set(declaration.id, {
        id: declaration.id,
        title: declaration.title,
        statement: declaration.statement ?? declaration.title,
        source: declaration.source,
      });
      owners.set(declaration.id, owner);
    }
    return new ClaimCatalogue(byId, owners);
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Claim {
    const found = this.byId.get(id);
    if (!found) throw new InputError(`Unknown claim \`${id}\` (see \`etcd-chaos list\`).`);
    return found;
  }

  all(): Claim[] {
    return [...this.byId.values()];
  }
}
