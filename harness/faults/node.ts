// Node faults: a member killed (SIGKILL), terminated (SIGTERM), paused (SIGSTOP) or restarted. Healing brings it
// back (start with its data dir, or SIGCONT); the runner waits for health afterwards.
import { HarnessError } from '../errors.js';
import { once } from './network.js';
import { type Availability, defineFault, type FaultContext, type FaultHandle } from './types.js';

const always = async (): Promise<Availability> => ({ available: true });

async function stopMembers(
  context: FaultContext,
  targets: readonly string[],
  signal: 'SIGKILL' | 'SIGTERM',
): Promise<FaultHandle> {
  const exits: Record<string, string> = {};
  for (const name of targets) {
    const exit = await context.cluster.member(name).stop({ signal });
    exits[name] = exit.signal ?? `code ${exit.code}`;
  }
  return {
    details: { exits },
    heal: once(async () => {
      for (const name of targets) {
        const member = context.cluster.member(name);
        if (member.state === 'stopped' || member.state === 'exited') await member.start();
      }
    }),
  };
}

export const killMember = defineFault({
  name: 'kill',
  kind: 'node',
  defaultTarget: 'follower',
  description: 'SIGKILLs members (node loss); healing starts them again with their data dirs',
  params: {},
  available: always,
  inject: (context, _params, targets) => stopMembers(context, targets, 'SIGKILL'),
});

export const terminateMember = defineFault({
  name: 'terminate',
  kind: 'node',
  defaultTarget: 'follower',
  description: 'stops members gracefully (SIGTERM); healing starts them again',
  params: {},
  available: always,
  inject: (context, _params, targets) => stopMembers(context, targets, 'SIGTERM'),
});

export const pauseMember = defineFault({
  name: 'pause',
  kind: 'node',
  defaultTarget: 'leader',
  description:
    'freezes members (SIGSTOP): the process stays but answers nothing; healing resumes them (SIGCONT)',
  params: {},
  available: always,
  inject: async (context, _params, targets) => {
    for (const name of targets) await context.cluster.member(name).pause();
    return {
      heal: once(async () => {
        for (const name of targets) {
          const member = context.cluster.member(name);
          if (member.state === 'paused') await member.resume();
        }
      }),
    };
  },
});

export const restartMember = defineFault({
  name: 'restart',
  kind: 'node',
  defaultTarget: 'follower',
  description: 'restarts members (SIGTERM, then start with the same data dir); the window covers the restart',
  params: {},
  available: always,
  inject: async (context, _params, targets) => {
    for (const name of targets) {
      const member = context.cluster.member(name);
      if (member.state !== 'running') throw new HarnessError(`restart: member ${name} is ${member.state}.`);
      await member.restart();
    }
    return { heal: async () => {} };
  },
});
