// Periodic auto-compaction. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'compaction',
  title: 'Periodic auto-compaction',
  claims: ['compaction.periodic'],
  params: {},
  async run() {
    throw new HarnessError('scenario compaction is not written yet');
  },
});
