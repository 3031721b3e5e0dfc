// Heartbeat and election timeout tuning under jitter and fsync spikes. (Being written: runs report its claims as inconclusive until it lands.)
import { defineScenario, HarnessError } from '../harness/index.js';

export default defineScenario({
  id: 'tuning',
  title: 'Heartbeat and election timeout tuning under jitter and fsync spikes',
  claims: ['tuning.churn', 'tuning.failover-cost'],
  params: {},
  async run() {
    throw new HarnessError('scenario tuning is not written yet');
  },
});
