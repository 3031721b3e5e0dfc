// The one parser for Kubernetes release strings (`--kube-apiserver 1.34`, `setup --kubernetes 1.37.2`, what a built
// kube-apiserver reports, and the syntax of `--kubernetes-version`, which kubeadm's etcd table then resolves), and the
// releases the harness knows how to build kube-apiserver for.
// Refresh with `go list -m -versions k8s.io/kubernetes` (the module proxy serves 1.34.x–1.37.x; checked 2026-11-30).
import semver from 'semver';
import { InputError } from '../errors.js';

/**
 * Known releases per minor line, oldest first; a line alias (`1.34`) means the newest entry. Only releases whose
 * staging modules (`k8s.io/api v0.34.4`, ...) the module proxy also serves can be built.
 */
export const KNOWN_KUBERNETES_RELEASES: Readonly<Record<string, readonly string[]>> = {
  '1.34': ['1.34.0', '1.34.2', '1.34.3', '1.34.4'],
  '1.35': ['1.35.4'],
  '1.36': ['1.36.1', '1.36.3'],
  '1.37': ['1.37.2'],
};

/** What `npm test` and `--kube-apiserver` without a value use: the newest 1.34 patch. */
export const DEFAULT_KUBERNETES_LINE = '1.34';

/** An exact Kubernetes release, e.g. 1.34.4. */
export class KubernetesVersion {
  private constructor(
    readonly major: number,
    readonly minor: number,
    readonly patch: number,
  ) {}

  static of(major: number, minor: number, patch: number): KubernetesVersion {
    return new KubernetesVersion(major, minor, patch);
  }

  get line(): string {
    return `${this.major}.${this.minor}`;
  }

  /** The git tag and `k8s.io/kubernetes` module version, e.g. `v1.34.4`. */
  get tag(): string {
    return `v${this.toString()}`;
  }

  /** The version of the staging modules (`k8s.io/api`, ...) released with it: `v0.34.4`. */
  get stagingModuleVersion(): string {
    return `v0.${this.minor}.${this.patch}`;
  }

  toString(): string {
    return `${this.major}.${this.minor}.${this.patch}`;
  }

  toJSON(): string {
    return this.toString();
  }

  compare(other: KubernetesVersion): number {
    return semver.compare(this.toString(), other.toString());
  }

  equals(other: KubernetesVersion): boolean {
    return this.compare(other) === 0;
  }
}

/** `1.34.4 (default), 1.35.4, 1.36.3, 1.37.2`: for errors and `--help`. */
export function describeKubernetesVersions(): string {
  return Object.keys(KNOWN_KUBERNETES_RELEASES)
    .map((line) => `${newestOf(line)}${line === DEFAULT_KUBERNETES_LINE ? ' (default)' : ''}`)
    .join(', ');
}

/** The newest known patch release of every known line, oldest line first (the version matrix's rows). */
export function kubernetesLines(): KubernetesVersion[] {
  return Object.keys(KNOWN_KUBERNETES_RELEASES).map((line) => parseKubernetesVersion(line));
}

/** A Kubernetes release as written, before any check of which releases are known: its line and, if given, patch. */
export interface KubernetesReleaseName {
  readonly major: number;
  readonly minor: number;
  /** undefined for a line (`1.34`, `1.34.x`). */
  readonly patch: number | undefined;
  /** `1.34`. */
  readonly line: string;
}

/**
 * The syntax every Kubernetes version option shares: `1.34`, `v1.34`, `1.34.x`, `1.34.4` or `v1.34.4` (no
 * pre-releases); undefined for anything else. What a name must also be is the caller's: a line kube-apiserver is built
 * for (`parseKubernetesVersion`), or one kubeadm's etcd table knows (`--kubernetes-version`).
 */
export function splitKubernetesRelease(input: string): KubernetesReleaseName | undefined {
  const text = input.trim();
  const line = /^v?(\d+)\.(\d+)(?:\.x)?$/.exec(text);
  if (line) return nameOf(Number(line[1]), Number(line[2]), undefined);
  const parsed = semver.parse(text.replace(/^v/, ''));
  if (!parsed || parsed.prerelease.length > 0 || parsed.build.length > 0) return undefined;
  return nameOf(parsed.major, parsed.minor, parsed.patch);
}

/**
 * Parses `1.34`, `v1.34`, `1.34.x`, `1.34.4`, `v1.34.4`, `default` or `latest` into an exact release. A line means
 * its newest known patch; an exact release of a known line is accepted even when it is not in the list (the build
 * fails with the module proxy's answer if it does not exist). Anything else is an InputError quoting the input.
 */
export function parseKubernetesVersion(input: string): KubernetesVersion {
  const lower = input.trim().toLowerCase();
  if (lower === '' || lower === 'default') return parseKubernetesVersion(DEFAULT_KUBERNETES_LINE);
  if (lower === 'latest') {
    const lines = Object.keys(KNOWN_KUBERNETES_RELEASES);
    return parseKubernetesVersion(lines[lines.length - 1] as string);
  }
  const name = splitKubernetesRelease(input);
  if (!name) throw unknown(input, 'expected `1.34`, `1.34.4` or `v1.34.4` (pre-releases are not supported)');
  checkLine(input, name.line);
  if (name.patch === undefined) return parseKubernetesVersion(newestOf(name.line));
  return KubernetesVersion.of(name.major, name.minor, name.patch);
}

/** Extracts the release from `kube-apiserver --version` output (`Kubernetes v1.34.4`). */
export function kubernetesVersionFromOutput(output: string): KubernetesVersion | undefined {
  const match = /Kubernetes v(\d+)\.(\d+)\.(\d+)(?:\s|$)/.exec(output);
  if (!match) return undefined;
  return KubernetesVersion.of(Number(match[1]), Number(match[2]), Number(match[3]));
}

function nameOf(major: number, minor: number, patch: number | undefined): KubernetesReleaseName {
  return { major, minor, patch, line: `${major}.${minor}` };
}

function checkLine(input: string, line: string): string {
  if (!(line in KNOWN_KUBERNETES_RELEASES))
    throw unknown(input, `Kubernetes ${line} is not a line the harness builds kube-apiserver for`);
  return line;
}

function newestOf(line: string): string {
  const releases = KNOWN_KUBERNETES_RELEASES[line] ?? [];
  const newest = releases[releases.length - 1];
  if (!newest) throw new Error(`catalog has no Kubernetes release for ${line}`);
  return newest;
}

function unknown(input: string, reason: string): InputError {
  return new InputError(`Unknown Kubernetes version \`${input}\`: ${reason}.`, {
    hint: `Known kube-apiserver versions: ${describeKubernetesVersions()} (a line such as \`1.34\` means its newest known patch release). This is the API server's version, not \`--kubernetes-version\` (which picks the etcd release kubeadm pins).`,
    context: { input },
  });
}
