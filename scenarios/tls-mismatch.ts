// A client with the wrong CA or certificate. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'tls-mismatch',
  title: 'A client with the wrong CA or certificate',
  claims: ['tls.mismatch'],
  params: {},
  async run() {
    throw new HarnessError('scenario tls-mismatch is not written yet');
  },
});
