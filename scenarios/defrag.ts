// Compaction then defrag shrinks the database. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'defrag',
  title: 'Compaction then defrag shrinks the database',
  claims: ['defrag.shrinks'],
  params: {},
  async run() {
    throw new HarnessError('scenario defrag is not written yet');
  },
});
