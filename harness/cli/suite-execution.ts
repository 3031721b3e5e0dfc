// The CLI's way of showing a run (harness/suite/execute.ts): a listr2 task list on a terminal, plain lines otherwise,
// with the process-wide termination watch deciding what an interruption records.
import { Listr, ProcessOutput } from 'listr2';
import { HarnessError } from '../errors.js';
import type { Finding } from '../findings/finding.js';
import type { RenderedReports } from '../report/render.js';
import type { RunResult } from '../result/format.js';
import type { PlannedRun } from '../scenario/runner.js';
import {
  type ExecutionContext,
  executeSuite,
  type RunOne,
  type SuiteDriver,
  type SuiteExecution,
} from '../suite/execute.js';
import type { GlobalOptions } from './global-options.js';
import { lineProgress } from './progress.js';

export interface SuiteDisplay {
  /** A task list on a terminal; plain lines otherwise (CI logs, pipes, --json). */
  readonly tty: boolean;
  /** Indent of the plain progress lines. */
  readonly indent?: string;
  /** Nothing on stderr but provisioning (e.g. `--json` of commands with their own summary). */
  readonly quiet?: boolean;
}

/** How a command's run shows progress and learns of an interruption: the CLI's display and termination watch. */
export function progressContext(display: SuiteDisplay, globals: GlobalOptions): ExecutionContext {
  const driver: SuiteDriver | undefined = display.quiet
    ? undefined
    : display.tty
      ? (plan, runOne) => runWithTaskList(plan, runOne, repeatOf(plan))
      : (plan, runOne) => runWithLines(plan, runOne, repeatOf(plan), display.indent ?? '', globals.signal);
  return {
    signal: globals.signal,
    interruption: () => globals.termination.received(),
    driver,
    onProgress: lineProgress(),
  };
}

/** The run with the CLI's progress display and its termination watch. */
export async function executeSuiteWithProgress(
  execution: SuiteExecution,
  display: SuiteDisplay,
  globals: GlobalOptions,
): Promise<{ readonly result: RunResult; readonly resultPath: string; readonly reports: RenderedReports }> {
  const { result, resultPath, reports } = await executeSuite(execution, progressContext(display, globals));
  return { result, resultPath, reports: renderedOf(reports) };
}

/** Commands render every format (the library's default); this narrows the type for them. */
export function renderedOf(reports: RenderedReports | undefined): RenderedReports {
  if (!reports) throw new HarnessError('the run rendered no reports');
  return reports;
}

function repeatOf(plan: readonly PlannedRun[]): number {
  return Math.max(1, ...plan.map((run) => run.repetition));
}

/** The scenario, with its cell in a matrix (a planned run names one only there) and its repetition. */
function label(run: PlannedRun, repeat: number): string {
  const parts = [
    ...(run.target ? [`${run.target.version} ${run.target.backend}`] : []),
    ...(repeat > 1 ? [`${run.repetition}/${repeat}`] : []),
  ];
  return parts.length > 0 ? `${run.definition.id} (${parts.join(', ')})` : run.definition.id;
}

async function runWithLines(
  plan: readonly PlannedRun[],
  runOne: RunOne,
  repeat: number,
  indent: string,
  signal: AbortSignal,
): Promise<void> {
  for (const [index, run] of plan.entries()) {
    if (signal.aborted) break;
    process.stderr.write(
      `${indent}[${index + 1}/${plan.length}] ${label(run, repeat)}: ${run.definition.title}\n`,
    );
    const outcome = await runOne(run, (event) => {
      if (event.kind === 'step') process.stderr.write(`${indent}      · ${event.message}\n`);
      else if (event.kind === 'finding')
        process.stderr.write(
          `${indent}      ${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}\n`,
        );
    });
    if (!outcome) break;
    if (outcome.result.status !== 'completed')
      process.stderr.write(`${indent}      ! ${outcome.result.status}: ${outcome.result.message ?? ''}\n`);
  }
}

/** A listr2 task list: steps as task output, verdict counts in the task title. */
async function runWithTaskList(plan: readonly PlannedRun[], runOne: RunOne, repeat: number): Promise<void> {
  const list = new Listr(
    plan.map((run) => ({
      title: `${label(run, repeat)}: ${run.definition.title}`,
      task: async (
        _context: unknown,
        task: { output: string; title: string; skip(message: string): void },
      ) => {
        const outcome = await runOne(run, (event) => {
          if (event.kind === 'step') task.output = event.message;
          else if (event.kind === 'finding')
            task.output = `${verdictLabel(event.finding)} ${event.finding.claim}: ${event.finding.check}`;
        });
        if (!outcome) {
          task.skip(`${label(run, repeat)}: not run (interrupted)`);
          return;
        }
        const counts = (['pass', 'fail', 'inconclusive'] as const)
          .map((verdict) => [verdict, outcome.findings.filter((f) => f.verdict === verdict).length] as const)
          .filter(([, count]) => count > 0)
          .map(([verdict, count]) => `${count} ${verdict}`)
          .join(', ');
        const status = outcome.result.status === 'completed' ? '' : ` [${outcome.result.status}]`;
        task.title = `${label(run, repeat)}: ${counts}${status} (${(outcome.result.durationMs / 1000).toFixed(1)} s)`;
      },
    })),
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: { processOutput: new ProcessOutput(process.stderr, process.stderr), outputBar: 1 },
    } as never,
  );
  await list.run();
}

function verdictLabel(finding: Finding): string {
  if (finding.notRun) return 'NOT RUN';
  return finding.verdict === 'pass' ? 'PASS' : finding.verdict === 'fail' ? 'FAIL' : 'INCONCLUSIVE';
}
