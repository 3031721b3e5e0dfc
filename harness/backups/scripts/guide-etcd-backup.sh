#!/bin/bash
# The etcd operations guide's backup script ("Automated Backup with CronJob", /opt/scripts/etcd-backup.sh, in
# shared/seed/etcd-operations-guide.txt), verbatim but for its paths, which come from the environment with the
# guide's values as defaults: the backup dir, the remote copy dir (the guide's /nfs/etcd-backup/), the endpoint and the
# kubeadm certificates. `etcd-chaos drill` sets ETCD_BACKUP_DIR, ETCD_REMOTE_BACKUP_DIR, ETCD_ENDPOINTS, ETCD_CACERT,
# ETCD_CERT and ETCD_KEY (not ETCDCTL_*: etcdctl refuses a flag and its environment variable together).
set -euo pipefail
BACKUP_DIR="${ETCD_BACKUP_DIR:-/backup/etcd}"
REMOTE_DIR="${ETCD_REMOTE_BACKUP_DIR:-/nfs/etcd-backup}"
ENDPOINT="${ETCD_ENDPOINTS:-https://127.0.0.1:2379}"
CACERT="${ETCD_CACERT:-/etc/kubernetes/pki/etcd/ca.crt}"
CERT="${ETCD_CERT:-/etc/kubernetes/pki/etcd/server.crt}"
KEY="${ETCD_KEY:-/etc/kubernetes/pki/etcd/server.key}"
RETENTION_DAYS=14
TIMESTAMP=$(date +%Y%m%d-%H%M%S)
BACKUP_FILE="$BACKUP_DIR/etcd-$TIMESTAMP.db"
mkdir -p "$BACKUP_DIR"
export ETCDCTL_API=3
etcdctl snapshot save "$BACKUP_FILE" \
  --endpoints="$ENDPOINT" \
  --cacert="$CACERT" \
  --cert="$CERT" \
  --key="$KEY"
etcdctl snapshot status "$BACKUP_FILE" \
  --endpoints="$ENDPOINT" \
  --cacert="$CACERT" \
  --cert="$CERT" \
  --key="$KEY"
# Upload to remote storage (e.g., NFS, S3, OSS)
cp "$BACKUP_FILE" "$REMOTE_DIR/"
# Clean up old local backups
find "$BACKUP_DIR" -name 'etcd-*.db' -mtime +7 -delete
# Clean up old remote backups
find "$REMOTE_DIR/" -name 'etcd-*.db' -mtime +$RETENTION_DAYS -delete
echo "[$(date)] etcd backup ok: $BACKUP_FILE"
