// Replace a failed member. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'member-replace',
  title: 'Replace a failed member',
  claims: ['member.replace'],
  params: {},
  async run() {
    throw new HarnessError('scenario member-replace is not written yet');
  },
});
