// Kubernetes release parsing (one parser for --kube-apiserver, setup --kubernetes and `kube-apiserver --version`) and
// the wrapper module the kube-apiserver build writes from k8s.io/kubernetes's own go.mod.
import { describe, expect, it } from 'vitest';
import {
  kubernetesVersionLdflags,
  parseKubernetesGoMod,
  wrapperGoMod,
} from '../../harness/binaries/sources/kubernetes-build.js';
import { InputError } from '../../harness/errors.js';
import {
  kubernetesLines,
  kubernetesVersionFromOutput,
  parseKubernetesVersion,
} from '../../harness/versions/kubernetes-release.js';

describe('parseKubernetesVersion', () => {
  it.each([
    ['1.34', '1.34.4'],
    ['v1.34', '1.34.4'],
    ['1.34.x', '1.34.4'],
    ['default', '1.34.4'],
    ['', '1.34.4'],
    ['latest', '1.37.2'],
    ['1.37.2', '1.37.2'],
    ['v1.35.4', '1.35.4'],
    // An exact release of a known line not in the list is accepted: the module proxy decides.
    ['1.34.1', '1.34.1'],
  ])('%j → %s', (input, expected) => {
    expect(parseKubernetesVersion(input).toString()).toBe(expected);
  });

  it.each([
    ['1.99', /Unknown Kubernetes version `1\.99`: Kubernetes 1\.99 is not a line/],
    ['1.33.2', /Kubernetes 1\.33 is not a line/],
    ['1.38.0-beta.0', /pre-releases are not supported/],
    ['3.6', /Kubernetes 3\.6 is not a line/],
    ['kube', /expected `1\.34`/],
  ])('refuses %j with a message quoting it', (input, message) => {
    expect(() => parseKubernetesVersion(input)).toThrow(InputError);
    expect(() => parseKubernetesVersion(input)).toThrow(message);
  });

  it('says in its hint which flag it is not', () => {
    try {
      parseKubernetesVersion('1.99');
      expect.unreachable();
    } catch (error) {
      expect((error as InputError).hint).toMatch(/not `--kubernetes-version`/);
    }
  });

  it('derives the tag and the staging module version', () => {
    const version = parseKubernetesVersion('1.34.4');
    expect(version.tag).toBe('v1.34.4');
    expect(version.stagingModuleVersion).toBe('v0.34.4');
    expect(kubernetesLines().map(String)).toEqual(['1.34.4', '1.35.4', '1.36.3', '1.37.2']);
  });

  it('reads what kube-apiserver --version prints, and nothing else', () => {
    expect(kubernetesVersionFromOutput('Kubernetes v1.34.4\n')?.toString()).toBe('1.34.4');
    // What a build without the release ldflags reports: not a release.
    expect(kubernetesVersionFromOutput('Kubernetes v0.0.0-master+$Format:%H$')).toBeUndefined();
    expect(kubernetesVersionFromOutput('etcd Version: 3.6.16')).toBeUndefined();
  });
});

// The shape of k8s.io/kubernetes v1.34.4's go.mod (trimmed): go and godebug lines, a require block, the replace block.
const GO_MOD = `module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
	github.com/blang/semver/v4 v4.0.0
	k8s.io/api v0.0.0
)

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/apiextensions-apiserver => ./staging/src/k8s.io/apiextensions-apiserver
	k8s.io/client-go => ./staging/src/k8s.io/client-go
	sigs.k8s.io/something => sigs.k8s.io/something v1.0.0
)
`;

describe('the kube-apiserver wrapper module', () => {
  it('copies the go and godebug lines and every staging replace, nothing else', () => {
    const parsed = parseKubernetesGoMod(GO_MOD);
    expect(parsed).toEqual({
      goDirective: '1.24.0',
      godebug: 'default=go1.24',
      stagingModules: ['k8s.io/api', 'k8s.io/apiextensions-apiserver', 'k8s.io/client-go'],
    });
    const wrapper = wrapperGoMod(parseKubernetesVersion('1.34.4'), parsed);
    expect(wrapper).toContain('go 1.24.0\n');
    expect(wrapper).toContain('godebug default=go1.24\n');
    expect(wrapper).toContain('require k8s.io/kubernetes v1.34.4\n');
    expect(wrapper).toContain('\tk8s.io/client-go => k8s.io/client-go v0.34.4\n');
    expect(wrapper).not.toContain('sigs.k8s.io/something');
    expect(wrapper).not.toContain('./staging');
  });

  it('refuses a go.mod without staging replaces (not k8s.io/kubernetes)', () => {
    expect(() => parseKubernetesGoMod('module x\n\ngo 1.22\n')).toThrow(/replaces no staging module/);
    expect(() => parseKubernetesGoMod('module x\n')).toThrow(/no `go` line/);
  });

  it('sets the release in component-base/version, as the release build does', () => {
    const flags = kubernetesVersionLdflags(parseKubernetesVersion('1.37.2'));
    expect(flags).toContain('-X k8s.io/component-base/version.gitVersion=v1.37.2');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMajor=1');
    expect(flags).toContain('-X k8s.io/component-base/version.gitMinor=37');
  });
});
