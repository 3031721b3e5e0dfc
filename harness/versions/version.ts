// The one parser for etcd version strings: every version the harness sees (CLI, config, `--version` output) goes through here.
import semver from 'semver';
import { UnknownVersionError } from '../errors.js';
import {
  DEFAULT_LINE,
  describeSupportedVersions,
  type EtcdLine,
  LATEST_LINE,
  newestKnownRelease,
  SUPPORTED_LINES,
} from './catalog.js';

export type { EtcdLine };

/** An exact etcd release, e.g. 3.6.16. Immutable; compare with `compare`/`atLeast`. */
export class EtcdVersion {
  private constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
  ) {}

  /** Internal: builds from already-validated numbers. Use `parseExactVersion` for strings. */
  static of(major: number, minor: number, patch: number): EtcdVersion {
    return new EtcdVersion(major, minor, patch);
  }

  get line(): EtcdLine {
    return `${this.major}.${this.minor}` as EtcdLine;
  }

  /** The git tag, e.g. `v3.6.16`. */
  get tag(): string {
    return `v${this.toString()}`;
  }

  toString(): string {
    return `${this.major}.${this.minor}.${this.patch}`;
  }

  toJSON(): string {
    return this.toString();
  }

  compare(other: EtcdVersion): number {
    return semver.compare(this.toString(), other.toString());
  }

  equals(other: EtcdVersion): boolean {
    return this.compare(other) === 0;
  }

  /** `true` when this version is at least `other` (a version or a string such as `3.5.10`). */
  atLeast(other: EtcdVersion | string): boolean {
    const target = typeof other === 'string' ? parseExactVersion(other) : other;
    return this.compare(target) >= 0;
  }
}

/** What a user may ask for: an exact release, the newest known patch of a line, or the default. */
export type VersionRequest =
  | { readonly kind: 'exact'; readonly version: EtcdVersion }
  | { readonly kind: 'line'; readonly line: EtcdLine }
  | { readonly kind: 'default' }
  | { readonly kind: 'latest' };

const LINE_PATTERN = /^v?(\d+)\.(\d+)(?:\.x)?$/;

/**
 * Parses `3.6`, `v3.6`, `3.6.x`, `3.6.16`, `v3.6.16`, `default` or `latest`.
 * Throws `UnknownVersionError` (quoting the input) for anything else or for an unsupported line.
 */
export function parseVersionRequest(input: string): VersionRequest {
  const text = input.trim();
  const lower = text.toLowerCase();
  if (lower === 'default' || lower === '') return { kind: 'default' };
  if (lower === 'latest') return { kind: 'latest' };
  const lineMatch = LINE_PATTERN.exec(text);
  if (lineMatch) {
    return { kind: 'line', line: checkLine(input, Number(lineMatch[1]), Number(lineMatch[2])) };
  }
  return { kind: 'exact', version: parseExactVersion(text) };
}

/** Parses an exact release (`3.6.16` or `v3.6.16`) of a supported line. Pre-releases are refused. */
export function parseExactVersion(input: string): EtcdVersion {
  const text = input.trim().replace(/^v/, '');
  const parsed = semver.parse(text);
  if (!parsed) {
    throw new UnknownVersionError(input, 'expected `3.6`, `3.6.16` or `v3.6.16`', supportedLineList());
  }
  if (parsed.prerelease.length > 0) {
    throw new UnknownVersionError(input, 'pre-releases are not supported', supportedLineList());
  }
  checkLine(input, parsed.major, parsed.minor);
  return EtcdVersion.of(parsed.major, parsed.minor, parsed.patch);
}

/**
 * The line of a version etcd reports (`GET /version`'s `etcdcluster`, e.g. `3.6.0` → `3.6`), or undefined for what is
 * not a release of a supported line (`not_decided` while a cluster bootstraps).
 */
export function reportedLine(reported: string): EtcdLine | undefined {
  try {
    return parseExactVersion(reported).line;
  } catch (error) {
    if (error instanceof UnknownVersionError) return undefined; // not a version: no line
    throw error;
  }
}

/** Extracts the version from the first line of `etcd --version`, `etcdctl version` or `etcdutl version`. */
export function versionFromToolOutput(output: string): EtcdVersion | undefined {
  const match = /(?:etcd Version|etcdctl version|etcdutl version):\s*v?(\d+\.\d+\.\d+)/i.exec(output);
  if (!match?.[1]) return undefined;
  const parsed = semver.parse(match[1]);
  return parsed ? EtcdVersion.of(parsed.major, parsed.minor, parsed.patch) : undefined;
}

function checkLine(input: string, major: number, minor: number): EtcdLine {
  const line = `${major}.${minor}`;
  if (!(SUPPORTED_LINES as readonly string[]).includes(line)) {
    throw new UnknownVersionError(input, `etcd ${line} is not a supported line`, supportedLineList());
  }
  return line as EtcdLine;
}

function supportedLineList(): string[] {
  return [describeSupportedVersions()];
}

/** The exact release a request means: lines and `default`/`latest` map to the newest known patch release. */
export function resolveVersionRequest(request: VersionRequest): EtcdVersion {
  switch (request.kind) {
    case 'exact':
      return request.version;
    case 'line':
      return parseExactVersion(newestKnownRelease(request.line));
    case 'default':
      return parseExactVersion(newestKnownRelease(DEFAULT_LINE));
    case 'latest':
      return parseExactVersion(newestKnownRelease(LATEST_LINE));
  }
}

/** Shorthand: parse and resolve in one step (`'3.6'` → 3.6.16). */
export function resolveVersion(input: string | EtcdVersion): EtcdVersion {
  return typeof input === 'string' ? resolveVersionRequest(parseVersionRequest(input)) : input;
}
