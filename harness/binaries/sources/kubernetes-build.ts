// Builds Kubernetes binaries (kube-apiserver) from the `k8s.io/kubernetes` Go module. Its go.mod points ~31 staging
// modules at `./staging/src/k8s.io/<m>`, which a consumer cannot follow, so a wrapper module requires
// k8s.io/kubernetes and replaces each of those with the published staging module of the same release (`v0.34.4`).
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BinaryError } from '../../errors.js';
import { runCommand } from '../../util/exec.js';
import type { KubernetesVersion } from '../../versions/kubernetes-release.js';
import type { ProgressListener } from '../types.js';
import { requireGo } from './go-build.js';

export interface KubernetesBuildSpec {
  readonly version: KubernetesVersion;
  /** `cmd/kube-apiserver` → `k8s.io/kubernetes/cmd/kube-apiserver`. */
  readonly command: string;
  readonly outFile: string;
  /** Wrapper module directory (kept between runs: a rebuild reuses it). */
  readonly workDir: string;
  readonly onProgress: ProgressListener;
  readonly signal?: AbortSignal;
}

/** What `k8s.io/kubernetes`'s own go.mod says that the wrapper must copy: its go and godebug lines, its staging replaces. */
export interface KubernetesGoMod {
  readonly goDirective: string;
  readonly godebug: string | undefined;
  readonly stagingModules: readonly string[];
}

/** Parses k8s.io/kubernetes's go.mod: the `go` line, the `godebug` line, and every `k8s.io/x => ./staging/...` replace. */
export function parseKubernetesGoMod(text: string): KubernetesGoMod {
  const goDirective = /^go\s+(\S+)\s*$/m.exec(text)?.[1];
  if (!goDirective) throw new BinaryError('k8s.io/kubernetes go.mod has no `go` line');
  const godebug = /^godebug\s+(.+?)\s*$/m.exec(text)?.[1];
  const stagingModules = [
    ...text.matchAll(/^\s*(?:replace\s+)?(k8s\.io\/\S+)\s+=>\s+\.\/staging\/\S+\s*$/gm),
  ].map((match) => match[1] as string);
  if (stagingModules.length === 0)
    throw new BinaryError('k8s.io/kubernetes go.mod replaces no staging module');
  return { goDirective, godebug, stagingModules };
}

/** The wrapper module's go.mod. */
export function wrapperGoMod(version: KubernetesVersion, upstream: KubernetesGoMod): string {
  const lines = [
    'module etcd-chaos.local/kubernetes-build',
    '',
    `go ${upstream.goDirective}`,
    ...(upstream.godebug ? ['', `godebug ${upstream.godebug}`] : []),
    '',
    `require k8s.io/kubernetes ${version.tag}`,
    '',
    'replace (',
    ...upstream.stagingModules.map((module) => `\t${module} => ${module} ${version.stagingModuleVersion}`),
    ')',
    '',
  ];
  return lines.join('\n');
}

/** The `-X` flags the Kubernetes release build sets, so `--version` and `/version` report the release. */
export function kubernetesVersionLdflags(version: KubernetesVersion): string[] {
  const values: Record<string, string> = {
    gitVersion: version.tag,
    gitMajor: String(version.major),
    gitMinor: String(version.minor),
    gitTreeState: 'clean',
    gitCommit: `etcd-chaos-go-module-build-${version.tag}`,
    buildDate: '1970-01-01T00:00:00Z',
  };
  return Object.entries(values).map(([name, value]) => `-X k8s.io/component-base/version.${name}=${value}`);
}

/** Fetches the module, writes the wrapper, builds `spec.command` statically into `spec.outFile`. */
export async function buildKubernetesCommand(spec: KubernetesBuildSpec): Promise<{ goVersion: string }> {
  const go = await requireGo(spec.command);
  const env = {
    CGO_ENABLED: '0',
    GOFLAGS: [process.env.GOFLAGS, '-mod=mod'].filter(Boolean).join(' '),
    GOTOOLCHAIN: process.env.GOTOOLCHAIN || 'auto',
  };
  const onLine = (line: string) => spec.onProgress({ kind: 'detail', message: line });
  const run = (args: string[]) =>
    runCommand(go.path, args, { cwd: spec.workDir, env, onLine, signal: spec.signal });
  await mkdir(spec.workDir, { recursive: true });
  const module = `k8s.io/kubernetes@${spec.version.tag}`;
  spec.onProgress({ kind: 'step', message: `fetching ${module}'s go.mod` });
  if (!existsSync(join(spec.workDir, 'go.mod'))) {
    // `go mod download` outside a module: a throwaway go.mod keeps it from complaining about the wrapper's absence.
    await writeFile(join(spec.workDir, 'go.mod'), 'module etcd-chaos.local/kubernetes-build\n\ngo 1.24\n');
  }
  const downloaded = await runCommand(go.path, ['mod', 'download', '-json', module], {
    cwd: spec.workDir,
    env,
    signal: spec.signal,
  });
  const goModPath = (JSON.parse(downloaded.stdout) as { GoMod?: string }).GoMod;
  if (!goModPath) throw new BinaryError(`go mod download ${module} returned no go.mod path`);
  const upstream = parseKubernetesGoMod(await readFile(goModPath, 'utf8'));
  await writeFile(join(spec.workDir, 'go.mod'), wrapperGoMod(spec.version, upstream));
  const pkg = `k8s.io/kubernetes/${spec.command}`;
  spec.onProgress({
    kind: 'step',
    message: `fetching Go modules for ${pkg}@${spec.version.tag} (${upstream.stagingModules.length} staging modules at ${spec.version.stagingModuleVersion})`,
  });
  await run(['get', `${pkg}@${spec.version.tag}`]);
  spec.onProgress({ kind: 'step', message: `compiling ${spec.command} (static, CGO_ENABLED=0; minutes)` });
  const ldflags = ['-s', '-w', ...kubernetesVersionLdflags(spec.version)].join(' ');
  await run(['build', '-trimpath', `-ldflags=${ldflags}`, '-o', spec.outFile, pkg]);
  return { goVersion: go.version };
}
