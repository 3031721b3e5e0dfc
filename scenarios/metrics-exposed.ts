// The metrics the guide names. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'metrics-exposed',
  title: 'The metrics the guide names',
  claims: ['metrics.exposed'],
  params: {},
  async run() {
    throw new HarnessError('scenario metrics-exposed is not written yet');
  },
});
