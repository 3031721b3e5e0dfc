// `etcd-chaos images build|list`: the docker backend's images. `build` makes the local images from the resolved
// binaries (no registry needed); `list` shows which image each version would run, without pulling anything.
import type { Command } from 'commander';
import { resolveEtcd } from '../binaries/resolve-etcd.js';
import { resolveToxiproxy } from '../binaries/resolve-toxiproxy.js';
import type { ProgressListener } from '../binaries/types.js';
import { dockerEngine } from '../cluster/docker/engine.js';
import {
  buildEtcdImage,
  buildToxiproxyImage,
  localEtcdImage,
  localToxiproxyImage,
  officialEtcdImage,
  officialToxiproxyImage,
} from '../cluster/docker/images.js';
import { SUPPORTED_LINES } from '../versions/catalog.js';
import { resolveVersion } from '../versions/version.js';
import type { GlobalOptions } from './global-options.js';
import { collect, requestedVersions } from './options.js';
import { printJsonLine } from './output.js';
import { runWithProgress } from './progress.js';

export function registerImages(program: Command, globals: () => GlobalOptions): void {
  const images = program
    .command('images')
    .description(
      'container images for --backend docker: build them offline from the resolved binaries, or list them',
    );
  images
    .command('build')
    .description(
      'build etcd-chaos/etcd:<version> and etcd-chaos/toxiproxy:<version> FROM scratch (see docker/)',
    )
    .option('--versions <list>', 'etcd versions or lines (default: newest of every supported line)', collect)
    .action(async (options: { versions?: string[] }) => {
      await dockerEngine(); // a clear error before any work when no engine answers
      const versions = requestedVersions(options.versions);
      const { signal } = globals();
      await runWithProgress(
        [
          ...versions.map((version) => ({
            title: `etcd ${version}`,
            run: async (report: ProgressListener, abort: AbortSignal | undefined) => {
              const binaries = await resolveEtcd(version, { onProgress: report, signal: abort });
              return buildEtcdImage(binaries, report);
            },
          })),
          {
            title: 'toxiproxy',
            run: async (report: ProgressListener) => {
              const binary = await resolveToxiproxy({ onProgress: report });
              return buildToxiproxyImage(binary, report);
            },
          },
        ],
        { signal },
      );
    });
  images
    .command('list')
    .description('which image each version would run (present locally or not); nothing is pulled or built')
    .option('--json', 'one JSON line')
    .action(async (options: { json?: boolean }) => {
      const docker = (await dockerEngine()).container.dockerode;
      const present = async (ref: string) =>
        docker
          .getImage(ref)
          .inspect()
          .then(() => true)
          .catch(() => false); // inspect fails exactly when the image is not here
      const rows = [];
      for (const line of SUPPORTED_LINES) {
        const version = resolveVersion(line);
        rows.push({
          image: `etcd ${version}`,
          official: officialEtcdImage(version),
          officialPresent: await present(officialEtcdImage(version)),
          local: localEtcdImage(version),
          localPresent: await present(localEtcdImage(version)),
        });
      }
      rows.push({
        image: 'toxiproxy',
        official: officialToxiproxyImage,
        officialPresent: await present(officialToxiproxyImage),
        local: localToxiproxyImage,
        localPresent: await present(localToxiproxyImage),
      });
      if (options.json) {
        printJsonLine({ images: rows });
        return;
      }
      for (const row of rows) {
        const use = row.officialPresent
          ? row.official
          : row.localPresent
            ? row.local
            : 'pull official, else build local';
        process.stdout.write(`${row.image.padEnd(14)} uses: ${use}\n`);
      }
    });
}
