#!/usr/bin/env bash
# Baseline for `etcd-chaos bench cluster`: the same etcd binary, 3 members on loopback started by a bare script
# (no harness, no proxies), up = every member's /health says true, down = SIGKILL + data dirs removed.
# Usage: bare-cluster.sh ETCD_BINARY WORK_DIR PORT1 ... PORT9   (client, peer, metrics for each member)
set -euo pipefail
etcd=$1 dir=$2
shift 2
ports=("$@")
now_ns() { date +%s%N; }
mkdir -p "$dir"
t0=$(now_ns)
initial=""
for i in 0 1 2; do initial+="${initial:+,}b$i=http://127.0.0.1:${ports[$((3 * i + 1))]}"; done
pids=()
for i in 0 1 2; do
  c=${ports[$((3 * i))]} p=${ports[$((3 * i + 1))]} m=${ports[$((3 * i + 2))]}
  "$etcd" --name "b$i" --data-dir "$dir/b$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$initial" --initial-cluster-state new --listen-metrics-urls "http://127.0.0.1:$m" \
    >"$dir/b$i.log" 2>&1 &
  pids+=($!)
done
for i in 0 1 2; do
  m=${ports[$((3 * i + 2))]}
  until curl -fs "http://127.0.0.1:$m/health" 2>/dev/null | grep -q '"health":"true"'; do sleep 0.02; done
done
t1=$(now_ns)
{
  kill -9 "${pids[@]}"
  wait "${pids[@]}"
} 2>/dev/null || true
rm -rf "$dir"
t2=$(now_ns)
echo "up_ms=$(((t1 - t0) / 1000000)) down_ms=$(((t2 - t1) / 1000000))"
