// Facts about the dashboards the guide and etcd point operators to: which metric names each one queries, where that
// comes from, and what etcd serves instead where a name is gone. Checked against each release's served metrics by
// harness/checks/dashboards.ts (claim dashboards.metrics).

export interface DashboardFact {
  readonly id: 'grafana-3070' | 'etcd-mixin';
  readonly title: string;
  /** Where the dashboard and the list below come from. */
  readonly source: string;
  /** Sample names as the dashboard's queries read them (a histogram's `_bucket`/`_sum` included). */
  readonly metrics: readonly string[];
}

/**
 * Grafana dashboard 3070 ("Etcd by Prometheus", "Etcd Dashboard for Prometheus metrics scraper"), the one the
 * guide's "Monitoring" section says to import. Read from the expressions of an export of it: its panels (among them
 * "The total number of failed proposals seen", which queries etcd_server_leader_changes_seen_total, a mistake users
 * of 3070 report) and its grafana.com `DS_PROMETHEUS` input identify it; the copy is not byte-compared with
 * grafana.com's download, which the harness does not fetch.
 */
export const GRAFANA_3070: DashboardFact = {
  id: 'grafana-3070',
  title: 'Grafana dashboard 3070 (the guide names it)',
  source:
    'etcd operations guide, "Monitoring" ("Import Grafana dashboard ID 3070"); expressions from the export in github.com/Vince-Cercury/Grafana-Dashboards etcd-dashboard.json @ 5c5558acffe670300c5098b4653d019d77903d32 (Grafana 4.4.1, input DS_PROMETHEUS)',
  metrics: [
    'etcd_server_has_leader',
    'etcd_server_leader_changes_seen_total',
    'grpc_server_started_total',
    'grpc_server_handled_total',
    'etcd_debugging_mvcc_db_total_size_in_bytes',
    'etcd_disk_wal_fsync_duration_seconds_bucket',
    'etcd_disk_backend_commit_duration_seconds_bucket',
    'process_resident_memory_bytes',
    'etcd_network_client_grpc_received_bytes_total',
    'etcd_network_client_grpc_sent_bytes_total',
    'etcd_network_peer_received_bytes_total',
    'etcd_network_peer_sent_bytes_total',
    'etcd_server_proposals_failed_total',
    'etcd_server_proposals_pending',
    'etcd_server_proposals_committed_total',
    'etcd_server_proposals_applied_total',
    'etcd_disk_wal_fsync_duration_seconds_sum',
    'etcd_disk_backend_commit_duration_seconds_sum',
    'etcd_debugging_snap_save_total_duration_seconds_sum',
  ],
};

/**
 * etcd's own dashboard (contrib/mixin/dashboards, both the Grafana 8+ and the 7.x variant) as rendered from the
 * mixin's jsonnet source in go.etcd.io/etcd/v3@v3.6.8 (harness/alerting/mixin.ts); a test renders it again and
 * compares this list with the names its queries read.
 */
export const ETCD_MIXIN_DASHBOARD: DashboardFact = {
  id: 'etcd-mixin',
  title: "etcd's own dashboard (contrib/mixin)",
  source:
    'etcd contrib/mixin/dashboards (targets.libsonnet, etcd-grafana7x.libsonnet) in go.etcd.io/etcd/v3@v3.6.8, rendered with go-jsonnet',
  metrics: [
    'etcd_disk_backend_commit_duration_seconds_bucket',
    'etcd_disk_wal_fsync_duration_seconds_bucket',
    'etcd_mvcc_db_total_size_in_bytes',
    'etcd_network_client_grpc_received_bytes_total',
    'etcd_network_client_grpc_sent_bytes_total',
    'etcd_network_peer_received_bytes_total',
    'etcd_network_peer_round_trip_time_seconds_bucket',
    'etcd_network_peer_sent_bytes_total',
    'etcd_server_has_leader',
    'etcd_server_leader_changes_seen_total',
    'etcd_server_proposals_applied_total',
    'etcd_server_proposals_committed_total',
    'etcd_server_proposals_failed_total',
    'etcd_server_proposals_pending',
    'grpc_server_handled_total',
    'grpc_server_started_total',
    'process_resident_memory_bytes',
  ],
};

export const DASHBOARDS: readonly DashboardFact[] = [GRAFANA_3070, ETCD_MIXIN_DASHBOARD];

/** What etcd serves where a dashboard's name is gone, and how to change the query. */
export const DASHBOARD_REPLACEMENTS: Readonly<Record<string, string>> = {
  etcd_debugging_mvcc_db_total_size_in_bytes:
    'etcd_mvcc_db_total_size_in_bytes (the same gauge, served since 3.4; the etcd_debugging_ name was removed in 3.5): the DB Size panel goes blank after an upgrade past 3.4 until its query is changed',
};
