// Runs the snapshot inspection in a worker thread when the compiled worker is there (the CLI), else inline after a
// tick (tests running the TypeScript sources): a 1 GiB scan takes seconds that etcd's tools can use meanwhile.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type InspectInput, type Inspection, inspectSnapshotDb } from './inspect.js';

export function inspectInBackground(input: InspectInput): Promise<Inspection> {
  const workerFile = fileURLToPath(new URL('./scan-worker.js', import.meta.url));
  if (!existsSync(workerFile))
    return new Promise((resolve) => setImmediate(() => resolve(inspectSnapshotDb(input))));
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: input });
    worker.once('message', (inspection: Inspection) => resolve(inspection));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`snapshot inspection worker exited with code ${code}`));
    });
  });
}
