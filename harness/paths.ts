// Where the harness keeps things: binary cache, run-state journals, temp dirs. Each overridable by env.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Built and downloaded binaries: `$ETCD_CHAOS_CACHE_DIR`, else `$XDG_CACHE_HOME/etcd-chaos`, else `~/.cache/etcd-chaos`. */
export function cacheDir(): string {
  const explicit = process.env.ETCD_CHAOS_CACHE_DIR;
  if (explicit) return explicit;
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'etcd-chaos');
}

/** Journals of live and crashed runs: `$ETCD_CHAOS_STATE_DIR`, else `$XDG_STATE_HOME/etcd-chaos`, else `~/.local/state/etcd-chaos`. */
export function stateDir(): string {
  const explicit = process.env.ETCD_CHAOS_STATE_DIR;
  if (explicit) return explicit;
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'etcd-chaos');
}

/** Parent of the per-run temp dirs (data dirs, logs, certs). */
export function tempRoot(): string {
  return process.env.ETCD_CHAOS_TMP_DIR || tmpdir();
}

/** Prefix of every temp dir the harness creates; the reaper refuses to delete anything without it. */
export const TEMP_DIR_PREFIX = 'etcd-chaos-';
