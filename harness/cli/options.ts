// Parsers for CLI option values: each quotes the bad value and says what is expected.

import { InputError } from '../errors.js';
import { SUPPORTED_LINES } from '../versions/catalog.js';
import { type EtcdVersion, resolveVersion } from '../versions/version.js';

export function parseIntegerOption(name: string, constraint: string): (value: string) => number {
  return (value: string) => {
    const number = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(number)) {
      throw new InputError(`Expected \`${name}\` to be ${constraint}, got \`${value}\` (string).`);
    }
    return number;
  };
}

/** Commander collector for repeatable options (`--flag a=1 --flag b=2`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Splits `3.4,3.6` and repeated values into one list. */
/** `--versions` values (comma-separated or repeated), resolved; every supported line when none are given. */
export function requestedVersions(values: readonly string[] | undefined): EtcdVersion[] {
  const requested = splitList(values);
  return (requested.length > 0 ? requested : [...SUPPORTED_LINES]).map((value) => resolveVersion(value));
}

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}
