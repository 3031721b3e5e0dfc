// Truncated and bit-flipped snapshots are rejected. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'snapshot-corruption',
  title: 'Truncated and bit-flipped snapshots are rejected',
  claims: ['backup.corrupt-detected'],
  params: {},
  async run() {
    throw new HarnessError('scenario snapshot-corruption is not written yet');
  },
});
