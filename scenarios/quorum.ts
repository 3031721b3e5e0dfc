// Losing one member, then two. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'quorum',
  title: 'Losing one member, then two',
  claims: ['quorum.one-loss', 'quorum.two-loss'],
  params: {},
  async run() {
    throw new HarnessError('scenario quorum is not written yet');
  },
});
