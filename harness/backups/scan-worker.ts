// Worker-thread entry: inspects one snapshot database off the main thread (etcd's tools run meanwhile).
import { parentPort, workerData } from 'node:worker_threads';
import { type InspectInput, inspectSnapshotDb } from './inspect.js';

parentPort?.postMessage(inspectSnapshotDb(workerData as InspectInput));
