// Records what Prometheus itself says about its alerts while a scenario runs: `/api/v1/rules` and `/api/v1/alerts`
// polled every evaluation interval, every state change (inactive → pending → firing and back) with its time and
// Prometheus' own `activeAt`, and the raw responses whenever a state changed (the evidence). Verdicts are read from
// this record; nothing here decides whether an alert should have fired.
import { describeError } from '../errors.js';
import { logger } from '../log.js';
import type { ActiveAlert, AlertState, PrometheusApi, RuleGroupStatus } from './prometheus-api.js';

const log = logger('prometheus');

const RANK: Readonly<Record<AlertState, number>> = { inactive: 0, pending: 1, firing: 2 };

export interface AlertTransition {
  /** Epoch ms of the poll that saw the change. */
  readonly at: number;
  readonly alert: string;
  /** The alert instance's labels (without `alertname`); empty for a rule-level change to inactive. */
  readonly labels: Readonly<Record<string, string>>;
  readonly from: AlertState;
  readonly to: AlertState;
  /** Prometheus' `activeAt` (when it became pending), epoch ms. */
  readonly activeAt?: number;
  readonly value?: string;
}

export interface RuleHealth {
  readonly alert: string;
  readonly health: string;
  readonly lastError: string | undefined;
}

/** How one alert behaved inside a time window. */
export interface AlertWindowState {
  readonly alert: string;
  /** The highest state any instance of the alert was in inside the window (including `atStart`). */
  readonly state: AlertState;
  /** The highest state at the window's start (carried over from before it). */
  readonly atStart: AlertState;
  /** First poll that saw an instance turn pending / firing inside the window, epoch ms. */
  readonly pendingAt: number | undefined;
  readonly firingAt: number | undefined;
  /** Prometheus' activeAt of the first instance that turned firing (or pending) in the window, epoch ms. */
  readonly activeAt: number | undefined;
  /** Instances that turned firing inside the window (their label sets: which member). */
  readonly firedInstances: readonly Readonly<Record<string, string>>[];
  /** Instances already firing when the window began. */
  readonly carriedFiring: readonly Readonly<Record<string, string>>[];
}

interface InstanceState {
  readonly alert: string;
  readonly labels: Readonly<Record<string, string>>;
  state: AlertState;
  activeAt: number | undefined;
}

export class AlertWatch {
  private readonly transitions: AlertTransition[] = [];
  private readonly instances = new Map<string, InstanceState>();
  private readonly evidence: string[] = [];
  private readonly health = new Map<string, RuleHealth>();
  private readonly alertNames = new Set<string>();
  private readonly errors: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private lastSignature = '';
  private polls = 0;
  private listeners: (() => void)[] = [];

  private constructor(
    private readonly api: PrometheusApi,
    readonly intervalMs: number,
  ) {}

  static start(api: PrometheusApi, options: { intervalMs: number }): AlertWatch {
    const watch = new AlertWatch(api, options.intervalMs);
    watch.schedule(0);
    return watch;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.polling = this.poll().finally(() => {
        this.polling = undefined;
        if (this.timer !== undefined) this.schedule(this.intervalMs);
      });
    }, delayMs);
  }

  /** One poll now (also used by waits); safe to call concurrently with the timer. */
  async poll(): Promise<void> {
    let rules: { groups: RuleGroupStatus[] };
    let rulesBody: string;
    let alertsBody: string;
    let at: number;
    try {
      const [rulesResponse, alertsResponse] = await Promise.all([this.api.rules(), this.api.alerts()]);
      rules = rulesResponse.data;
      rulesBody = rulesResponse.body;
      alertsBody = alertsResponse.body;
      at = rulesResponse.receivedAt;
      this.verifyAlertsAgree(rulesResponse.data.groups, alertsResponse.data.alerts);
    } catch (error) {
      this.errors.push(`${new Date().toISOString()} ${describeError(error)}`);
      log('poll failed: %s', describeError(error));
      return;
    }
    this.polls += 1;
    const seen = new Set<string>();
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        this.alertNames.add(rule.name);
        this.health.set(rule.name, {
          alert: rule.name,
          health: rule.health,
          lastError: rule.lastError || undefined,
        });
        for (const alert of rule.alerts) {
          const key = keyOf(rule.name, alert.labels);
          seen.add(key);
          this.update(key, rule.name, alert, at);
        }
      }
    }
    for (const [key, instance] of this.instances) {
      if (seen.has(key) || instance.state === 'inactive') continue;
      this.transitions.push({
        at,
        alert: instance.alert,
        labels: instance.labels,
        from: instance.state,
        to: 'inactive',
      });
      instance.state = 'inactive';
    }
    const signature = [...this.instances.entries()]
      .filter(([, instance]) => instance.state !== 'inactive')
      .map(([key, instance]) => `${key}=${instance.state}`)
      .sort()
      .join('|');
    if (signature !== this.lastSignature || this.evidence.length === 0) {
      this.lastSignature = signature;
      this.evidence.push(
        JSON.stringify({
          receivedAt: new Date(at).toISOString(),
          endpoint: '/api/v1/rules?type=alert',
          body: JSON.parse(rulesBody),
        }),
        JSON.stringify({
          receivedAt: new Date(at).toISOString(),
          endpoint: '/api/v1/alerts',
          body: JSON.parse(alertsBody),
        }),
      );
    }
    for (const listener of this.listeners) listener();
  }

  /** The two endpoints must tell the same story; a difference is recorded as an error of the record. */
  private verifyAlertsAgree(groups: readonly RuleGroupStatus[], alerts: readonly ActiveAlert[]): void {
    const fromRules = new Set(
      groups.flatMap((group) =>
        group.rules.flatMap((rule) =>
          rule.alerts.map((alert) => `${keyOf(rule.name, alert.labels)}=${alert.state}`),
        ),
      ),
    );
    const fromAlerts = new Set(
      alerts.map((alert) => `${keyOf(alert.labels.alertname ?? '', alert.labels)}=${alert.state}`),
    );
    const onlyOne = [...fromRules].filter((entry) => !fromAlerts.has(entry));
    // The two calls are not atomic: an evaluation between them may change a state. Recorded, not fatal.
    if (onlyOne.length > 0)
      log('rules and alerts endpoints differ (an evaluation between the calls?): %o', onlyOne);
  }

  private update(key: string, alert: string, active: ActiveAlert, at: number): void {
    const labels = withoutAlertname(active.labels);
    const activeAt = Date.parse(active.activeAt);
    const existing = this.instances.get(key);
    const from: AlertState = existing?.state ?? 'inactive';
    if (existing && existing.state === active.state && existing.activeAt === activeAt) return;
    const instance: InstanceState = existing ?? { alert, labels, state: 'inactive', activeAt: undefined };
    instance.state = active.state;
    instance.activeAt = Number.isNaN(activeAt) ? undefined : activeAt;
    this.instances.set(key, instance);
    this.transitions.push({
      at,
      alert,
      labels,
      from,
      to: active.state,
      activeAt: instance.activeAt,
      value: active.value,
    });
  }

  /** Waits until `predicate` holds after a poll, or `timeoutMs` passes; returns whether it held. */
  async waitUntil(predicate: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (predicate()) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (result: boolean) => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((listener) => listener !== check);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const check = () => {
        if (predicate()) finish(true);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(predicate()), timeoutMs);
      this.listeners.push(check);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The current state of `alert` (its highest instance). */
  currentState(alert: string): AlertState {
    let state: AlertState = 'inactive';
    for (const instance of this.instances.values())
      if (instance.alert === alert && RANK[instance.state] > RANK[state]) state = instance.state;
    return state;
  }

  /** How `alert` behaved between `fromMs` and `toMs`; a state it was already in at `fromMs` is `atStart`. */
  windowState(alert: string, fromMs: number, toMs: number): AlertWindowState {
    const current = new Map<string, AlertTransition>();
    let pendingAt: number | undefined;
    let firingAt: number | undefined;
    let activeAt: number | undefined;
    let atStart: AlertState | undefined;
    let state: AlertState = 'inactive';
    const fired: Readonly<Record<string, string>>[] = [];
    const highest = () =>
      [...current.values()].reduce<AlertState>(
        (best, entry) => (RANK[entry.to] > RANK[best] ? entry.to : best),
        'inactive',
      );
    for (const transition of this.transitionsOf(alert)) {
      if (transition.at > toMs) break;
      if (transition.at >= fromMs && atStart === undefined) {
        atStart = highest();
        state = atStart;
      }
      current.set(keyOf(alert, transition.labels), transition);
      if (transition.at < fromMs) continue;
      if (transition.to === 'pending' && pendingAt === undefined) pendingAt = transition.at;
      if (transition.to === 'firing') {
        if (firingAt === undefined) {
          firingAt = transition.at;
          activeAt = transition.activeAt;
        }
        if (!fired.some((labels) => keyOf(alert, labels) === keyOf(alert, transition.labels)))
          fired.push(transition.labels);
      }
      if (RANK[transition.to] > RANK[state]) state = transition.to;
    }
    if (atStart === undefined) {
      atStart = highest();
      state = atStart;
    }
    const carried = [...current.values()].filter((entry) => entry.to === 'firing' && entry.at < fromMs);
    if (activeAt === undefined && pendingAt !== undefined)
      activeAt = this.transitions.find((entry) => entry.alert === alert && entry.at === pendingAt)?.activeAt;
    return {
      alert,
      state,
      atStart,
      pendingAt,
      firingAt,
      activeAt,
      firedInstances: fired,
      carriedFiring: carried.map((entry) => entry.labels),
    };
  }

  /**
   * The alert's state over time as a step line for charts: 0 inactive, 1 pending, 2 firing (its highest instance),
   * a point just before and at every change.
   */
  stateSteps(alert: string, fromMs: number, toMs: number): { at: number; value: number }[] {
    const states = new Map<string, AlertState>();
    const highest = () => Math.max(0, ...[...states.values()].map((state) => RANK[state]));
    const points = [{ at: fromMs, value: 0 }];
    for (const transition of this.transitionsOf(alert)) {
      const before = highest();
      states.set(keyOf(alert, transition.labels), transition.to);
      const after = highest();
      if (transition.at < fromMs) {
        points[0] = { at: fromMs, value: after };
        continue;
      }
      if (transition.at > toMs) break;
      if (after === before) continue;
      points.push({ at: transition.at - 1, value: before }, { at: transition.at, value: after });
    }
    points.push({ at: toMs, value: highest() });
    return points;
  }

  /** How many distinct alerts were firing over time (a step line for charts). */
  firingCountSteps(fromMs: number, toMs: number): { at: number; value: number }[] {
    const firing = new Map<string, AlertState>();
    const count = () =>
      new Set(
        [...firing.entries()].filter(([, state]) => state === 'firing').map(([key]) => key.split('{')[0]),
      ).size;
    const points = [{ at: fromMs, value: 0 }];
    for (const transition of this.transitions) {
      const before = count();
      firing.set(keyOf(transition.alert, transition.labels), transition.to);
      const after = count();
      if (transition.at < fromMs) {
        points[0] = { at: fromMs, value: after };
        continue;
      }
      if (transition.at > toMs) break;
      if (after !== before)
        points.push({ at: transition.at - 1, value: before }, { at: transition.at, value: after });
    }
    points.push({ at: toMs, value: count() });
    return points;
  }

  transitionsOf(alert: string): AlertTransition[] {
    return this.transitions.filter((transition) => transition.alert === alert);
  }

  allTransitions(): readonly AlertTransition[] {
    return this.transitions;
  }

  /** Alerting rules Prometheus reported, with their health (`err` and the error when a rule cannot evaluate). */
  ruleHealth(): RuleHealth[] {
    return [...this.health.values()];
  }

  knownAlerts(): string[] {
    return [...this.alertNames];
  }

  get pollCount(): number {
    return this.polls;
  }

  /** Polls that failed (Prometheus unreachable), with their time. */
  get pollErrors(): readonly string[] {
    return this.errors;
  }

  /** The API responses (JSON lines) whenever the set of pending/firing alerts changed. */
  evidenceJsonl(): string {
    return `${this.evidence.join('\n')}\n`;
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.polling;
  }
}

function withoutAlertname(labels: Readonly<Record<string, string>>): Record<string, string> {
  const { alertname: _alertname, ...rest } = labels;
  return rest;
}

function keyOf(alert: string, labels: Readonly<Record<string, string>>): string {
  const rest = withoutAlertname(labels);
  return `${alert}{${Object.keys(rest)
    .sort()
    .map((name) => `${name}=${rest[name]}`)
    .join(',')}}`;
}
