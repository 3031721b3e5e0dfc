// Health of a member as etcd reports it on its metrics listener (`/health`: a leader and no alarm).

export interface HealthReport {
  readonly healthy: boolean;
  /** etcd's reason (3.5+), or the transport error. */
  readonly reason: string;
}

export async function probeHealth(metricsUrl: string, timeoutMs = 1_000): Promise<HealthReport> {
  try {
    const response = await fetch(`${metricsUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await response.json()) as { health?: string; reason?: string };
    return { healthy: body.health === 'true', reason: body.reason ?? `HTTP ${response.status}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return { healthy: false, reason: cause?.code ?? (error as Error).name };
  }
}
