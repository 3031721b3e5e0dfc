// A client for the parts of Prometheus' HTTP API the harness reads: readiness, targets, alerts and rules with their
// states (inactive / pending / firing, `activeAt`), instant and range queries. Every response body is kept as text
// by the caller for evidence; this file only fetches and types.
import { HarnessError } from '../errors.js';

/** Prometheus answered an API call with an error, or did not answer. */
export class PrometheusApiError extends HarnessError {
  override readonly name: string = 'PrometheusApiError';
  override get retryable(): boolean {
    return true;
  }
}

export type AlertState = 'inactive' | 'pending' | 'firing';

export interface ActiveAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: Exclude<AlertState, 'inactive'>;
  /** RFC 3339: when the alert became pending. */
  readonly activeAt: string;
  readonly value: string;
}

export interface AlertingRuleStatus {
  readonly type: 'alerting';
  readonly name: string;
  readonly query: string;
  /** `for:` in seconds. */
  readonly duration: number;
  readonly state: AlertState;
  readonly health: string;
  readonly lastError?: string;
  readonly lastEvaluation: string;
  readonly alerts: readonly ActiveAlert[];
}

export interface RuleGroupStatus {
  readonly name: string;
  readonly file: string;
  readonly interval: number;
  readonly rules: readonly AlertingRuleStatus[];
}

export interface TargetStatus {
  readonly scrapeUrl: string;
  readonly health: 'up' | 'down' | 'unknown';
  readonly lastError: string;
  readonly lastScrape: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  /** [unix seconds, value]. */
  readonly value: readonly [number, string];
}

export interface RangeSeries {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: readonly (readonly [number, string])[];
}

/** One API response: the parsed data and the body as Prometheus sent it (evidence). */
export interface ApiResponse<T> {
  readonly data: T;
  readonly body: string;
  /** Epoch ms when the response arrived. */
  readonly receivedAt: number;
}

export class PrometheusApi {
  constructor(readonly baseUrl: string) {}

  async ready(timeoutMs = 1_000): Promise<boolean> {
    try {
      const response = await fetch(`${this.baseUrl}/-/ready`, { signal: AbortSignal.timeout(timeoutMs) });
      await response.text();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** `/api/v1/rules?type=alert`: every alerting rule with its state and its active alerts. */
  rules(): Promise<ApiResponse<{ groups: RuleGroupStatus[] }>> {
    return this.get('/api/v1/rules', { type: 'alert' });
  }

  /** `/api/v1/alerts`: the pending and firing alerts. */
  alerts(): Promise<ApiResponse<{ alerts: ActiveAlert[] }>> {
    return this.get('/api/v1/alerts', {});
  }

  targets(): Promise<ApiResponse<{ activeTargets: TargetStatus[] }>> {
    return this.get('/api/v1/targets', { state: 'active' });
  }

  query(expr: string, atMs?: number): Promise<ApiResponse<{ resultType: string; result: Sample[] }>> {
    return this.get('/api/v1/query', {
      query: expr,
      ...(atMs === undefined ? {} : { time: String(atMs / 1000) }),
    });
  }

  queryRange(
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
  ): Promise<ApiResponse<{ resultType: string; result: RangeSeries[] }>> {
    return this.get('/api/v1/query_range', {
      query: expr,
      start: String(startMs / 1000),
      end: String(endMs / 1000),
      step: `${stepMs / 1000}`,
    });
  }

  private async get<T>(path: string, params: Record<string, string>): Promise<ApiResponse<T>> {
    const url = `${this.baseUrl}${path}?${new URLSearchParams(params).toString()}`;
    let body: string;
    let status: number;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      body = await response.text();
      status = response.status;
    } catch (error) {
      throw new PrometheusApiError(`Prometheus did not answer ${path}`, {
        cause: error,
        context: { endpoint: url },
      });
    }
    let parsed: { status?: string; data?: T; error?: string };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch (error) {
      throw new PrometheusApiError(`Prometheus answered ${path} with HTTP ${status} and no JSON`, {
        cause: error,
        context: { endpoint: url, body: body.slice(0, 300) },
      });
    }
    if (parsed.status !== 'success' || parsed.data === undefined)
      throw new PrometheusApiError(`Prometheus refused ${path}: ${parsed.error ?? `HTTP ${status}`}`, {
        context: { endpoint: url },
      });
    return { data: parsed.data, body, receivedAt: Date.now() };
  }
}
