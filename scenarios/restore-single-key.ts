// Recover one deleted key from a snapshot. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'restore-single-key',
  title: 'Recover one deleted key from a snapshot',
  claims: ['restore.single-key'],
  params: {},
  async run() {
    throw new HarnessError('scenario restore-single-key is not written yet');
  },
});
