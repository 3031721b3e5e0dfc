// Progress for people: listr2 task lists on a TTY, plain timestamped lines otherwise (CI logs), all on stderr so
// stdout stays clean for `--json`.
import { Listr, type ListrTask, ProcessOutput } from 'listr2';
import type { ProgressEvent, ProgressListener } from '../binaries/types.js';

export interface ProgressTask {
  readonly title: string;
  run(report: ProgressListener, signal: AbortSignal | undefined): Promise<string | undefined>;
}

/** Runs tasks in order with progress on stderr; the first failure stops the list and is rethrown. */
export async function runWithProgress(
  tasks: readonly ProgressTask[],
  options: { signal?: AbortSignal; quiet?: boolean } = {},
): Promise<void> {
  const useTty = Boolean(process.stderr.isTTY) && (process.stderr.columns ?? 0) >= 40 && !process.env.CI;
  const listTasks: ListrTask[] = tasks.map((task) => ({
    title: task.title,
    task: async (_ctx, listrTask) => {
      const report = (event: ProgressEvent) => {
        listrTask.output = describeEvent(event);
      };
      const summary = await task.run(report, options.signal);
      if (summary) listrTask.title = `${task.title}: ${summary}`;
    },
  }));
  const list = new Listr(listTasks, {
    concurrent: false,
    exitOnError: true,
    registerSignalListeners: false,
    renderer: options.quiet ? 'silent' : useTty ? 'default' : 'simple',
    fallbackRenderer: 'simple',
    rendererOptions: {
      processOutput: new ProcessOutput(process.stderr, process.stderr),
      outputBar: 1,
      persistentOutput: false,
    },
    fallbackRendererOptions: {
      processOutput: new ProcessOutput(process.stderr, process.stderr),
      timestamp: true,
    },
    collectErrors: false,
  } as never);
  await list.run();
}

export function describeEvent(event: ProgressEvent): string {
  switch (event.kind) {
    case 'step':
    case 'detail':
      return event.message;
    case 'bytes': {
      const received = (event.receivedBytes / 1_048_576).toFixed(1);
      if (!event.totalBytes) return `${received} MiB`;
      const percent = Math.round((100 * event.receivedBytes) / event.totalBytes);
      return `${received} / ${(event.totalBytes / 1_048_576).toFixed(1)} MiB (${percent}%)`;
    }
  }
}

/** A listener that prints step events as plain lines on stderr (for commands without a task list). */
export function lineProgress(prefix = 'etcd-chaos'): ProgressListener {
  return (event) => {
    if (event.kind === 'step') process.stderr.write(`[${prefix}] ${event.message}\n`);
  };
}
