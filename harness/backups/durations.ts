// Parsers for the backup commands' duration options (`--max-age 26h`, `--retention local=7d,remote=30d`): each bad
// value is an InputError quoting it and saying what is expected.
import { InputError } from '../errors.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `26h`, `7d`, `1d12h`, `90m`, `45s`, `2w` → milliseconds. */
export function parseDuration(option: string, value: string): number {
  const text = value.trim();
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)([smhdw])/g)];
  if (!text || parts.length === 0 || parts.map((part) => part[0]).join('') !== text) {
    throw new InputError(
      `Expected \`${option}\` to be a duration such as 26h, 7d, 1d12h or 90m, got \`${value}\`.`,
      { hint: 'Units: s, m, h, d (days), w (weeks); combine them without spaces (1d12h).' },
    );
  }
  const totalMs = parts.reduce(
    (sum, part) => sum + Number(part[1]) * (UNIT_MS[part[2] as string] as number),
    0,
  );
  if (totalMs <= 0) throw new InputError(`Expected \`${option}\` to be longer than zero, got \`${value}\`.`);
  return totalMs;
}

export interface RetentionPolicy {
  readonly localMs: number;
  readonly remoteMs: number;
}

/** The guide's "Backup Strategy Summary": local backups 7 days, remote copies at least 30 days. */
export const GUIDE_RETENTION: RetentionPolicy = { localMs: 7 * 86_400_000, remoteMs: 30 * 86_400_000 };

/** `local=7d,remote=30d` (either may be left out: the guide's value stays). */
export function parseRetention(value: string): RetentionPolicy {
  let policy = { ...GUIDE_RETENTION };
  for (const entry of value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const match = /^(local|remote)=(.+)$/.exec(entry);
    if (!match)
      throw new InputError(
        `Expected \`--retention\` entries of the form local=7d or remote=30d, got \`${entry}\` in \`${value}\`.`,
      );
    const durationMs = parseDuration(`--retention ${match[1]}`, match[2] as string);
    policy = match[1] === 'local' ? { ...policy, localMs: durationMs } : { ...policy, remoteMs: durationMs };
  }
  return policy;
}

/** `26 h`, `7 d`, `1 d 12 h`: for reasons and tables. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(Math.round(ms / 1000));
  const days = Math.floor(rest / 86_400);
  rest -= days * 86_400;
  const hours = Math.floor(rest / 3_600);
  rest -= hours * 3_600;
  const minutes = Math.floor(rest / 60);
  const seconds = rest - minutes * 60;
  const parts = [
    days ? `${days} d` : '',
    hours ? `${hours} h` : '',
    minutes && days === 0 ? `${minutes} min` : '',
    seconds && days === 0 && hours === 0 ? `${seconds} s` : '',
  ].filter(Boolean);
  return `${sign}${parts.join(' ') || '0 s'}`;
}
