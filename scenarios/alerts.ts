// The alert thresholds of the guide. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'alerts',
  title: 'The alert thresholds of the guide',
  claims: ['alerts.thresholds'],
  params: {},
  async run() {
    throw new HarnessError('scenario alerts is not written yet');
  },
});
