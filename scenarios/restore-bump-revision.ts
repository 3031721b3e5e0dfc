// Restore with --bump-revision and --mark-compacted. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'restore-bump-revision',
  title: 'Restore with --bump-revision and --mark-compacted',
  claims: ['restore.bump-revision'],
  params: {},
  async run() {
    throw new HarnessError('scenario restore-bump-revision is not written yet');
  },
});
