// Go's time.Duration text (`287.452331ms`, `1.5s`, `1m2.003s`, `850µs`) as milliseconds: what etcdctl prints after
// `took`. Undefined when the text is not one.
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export function parseGoDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|μs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== trimmed) return undefined;
  return parts.reduce((sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2] as string] as number), 0);
}

/** The `took <duration>` etcdctl prints after a maintenance call (3.6+), in ms. */
export function tookMs(output: string): number | undefined {
  const match = /\btook (\S+?)\.?\s*$/m.exec(output);
  return match?.[1] === undefined ? undefined : parseGoDurationMs(match[1]);
}
