// Shared by the container tests: which versions they run, and skipping (with the reason) without an engine.
import { inject } from 'vitest';

export { DOCKER_TEST_LINES } from './docker-engine.js';

/** The reason the container tests cannot run here, or undefined when an engine and images are ready. */
export function dockerSkipReason(): string | undefined {
  const docker = inject('docker');
  return docker.available ? undefined : (docker.reason ?? 'no Docker engine');
}
