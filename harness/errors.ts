// Error classes of the harness: one base, context as fields, `cause` always kept, a hint that says what to do.

export interface HarnessErrorOptions {
  /** What the user can do about it, shown under the message. */
  hint?: string;
  cause?: unknown;
  /** Structured context for logs and reports (`member`, `command`, `endpoint`, `durationMs`, ...). */
  context?: Record<string, unknown>;
}

export class HarnessError extends Error {
  override readonly name: string = 'HarnessError';
  readonly hint: string | undefined;
  readonly context: Readonly<Record<string, unknown>>;
  /** Exit code for the CLI: 2 for bad input and harness failures (1 is reserved for failed findings). */
  readonly exitCode: number = 2;

  constructor(message: string, options: HarnessErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.context = options.context ?? {};
  }

  /** Whether repeating the same operation may succeed (a property of the error, not of the call site). */
  get retryable(): boolean {
    return false;
  }
}

/** The user asked for something malformed or impossible (bad flag, unknown scenario, even member count). */
export class InputError extends HarnessError {
  override readonly name: string = 'InputError';
}

/** A version string that does not parse, or names a line this harness does not support. */
export class UnknownVersionError extends InputError {
  override readonly name: string = 'UnknownVersionError';
  readonly supported: readonly string[];
  constructor(input: string, reason: string, supported: readonly string[]) {
    super(`Unknown etcd version \`${input}\`: ${reason}`, {
      hint: `Supported versions: ${supported.join(', ')} (a line such as \`3.6\` means its newest known patch release).`,
      context: { input },
    });
    this.supported = supported;
  }
}

/** A supported version that no binary source could supply on this machine. */
export class VersionUnavailableError extends HarnessError {
  override readonly name: string = 'VersionUnavailableError';
  readonly attempts: readonly SourceAttempt[];
  constructor(version: string, attempts: readonly SourceAttempt[], available: readonly string[]) {
    const lines = attempts.map((attempt) => `  - ${attempt.source}: ${attempt.reason}`).join('\n');
    super(`etcd ${version} is not available on this machine; every binary source failed:\n${lines}`, {
      hint:
        available.length > 0
          ? `Available without a download or build: ${available.join(', ')}. Or make a source work (see the reasons above) and run \`etcd-chaos setup --versions ${version}\`.`
          : `No etcd version is cached yet. Make one of the sources above work and run \`etcd-chaos setup\`.`,
      context: { version },
    });
    this.attempts = attempts;
  }
}

export interface SourceAttempt {
  readonly source: string;
  readonly reason: string;
}

/** A tool needed to provision binaries (go, apt-get, dpkg-deb, ip) is missing. */
export class ToolMissingError extends HarnessError {
  override readonly name: string = 'ToolMissingError';
}

/** A downloaded artifact does not match its published checksum; nothing was cached. */
export class ChecksumMismatchError extends HarnessError {
  override readonly name: string = 'ChecksumMismatchError';
}

/** A binary exists but is unusable (does not run, or reports another version). */
export class BinaryError extends HarnessError {
  override readonly name: string = 'BinaryError';
}

/** An external command failed. Carries the command line, exit code and the tail of its output. */
export class CommandError extends HarnessError {
  override readonly name: string = 'CommandError';
  readonly command: string;
  readonly commandExitCode: number | undefined;
  readonly stderrTail: string;
  constructor(
    message: string,
    details: { command: string; exitCode: number | undefined; stderrTail: string },
    options: HarnessErrorOptions = {},
  ) {
    const tail = details.stderrTail.trim();
    super(tail ? `${message}\n--- output of \`${details.command}\` (tail) ---\n${tail}` : message, {
      ...options,
      context: { ...options.context, command: details.command, exitCode: details.exitCode },
    });
    this.command = details.command;
    this.commandExitCode = details.exitCode;
    this.stderrTail = details.stderrTail;
  }
}

/**
 * An etcd procedure (an `etcdctl`/`etcdutl` step of the runbook: snapshot restore, endpoint status, compaction, ...)
 * failed while the harness ran it: not bad input. Carries the command line, its exit code and the tail of its output.
 */
export class ProcedureError extends CommandError {
  override readonly name: string = 'ProcedureError';
}

/** A port the user asked for (or that a member must bind) is taken. */
export class PortInUseError extends HarnessError {
  override readonly name: string = 'PortInUseError';
  readonly port: number;
  constructor(port: number, purpose: string, holder: string | undefined, options: HarnessErrorOptions = {}) {
    super(`Port ${port} (${purpose}) is already in use${holder ? ` by ${holder}` : ''}.`, {
      hint:
        options.hint ??
        'Stop the process holding it, or choose other ports (omit --base-port to let the harness pick free ones).',
      ...options,
      context: { ...options.context, port, purpose },
    });
    this.port = port;
  }
}

/** An etcd member did not start or did not become healthy. Carries the tail of its log. */
export class MemberStartError extends HarnessError {
  override readonly name: string = 'MemberStartError';
  readonly member: string;
  readonly logTail: string;
  constructor(member: string, reason: string, logTail: string, options: HarnessErrorOptions = {}) {
    const tail = logTail.trim();
    super(
      `etcd member ${member} failed to start: ${reason}${tail ? `\n--- tail of ${member}'s log ---\n${tail}` : ''}`,
      {
        ...options,
        context: { ...options.context, member },
      },
    );
    this.member = member;
    this.logTail = logTail;
  }
}

/** Something did not happen in time. */
export class TimeoutError extends HarnessError {
  override readonly name: string = 'TimeoutError';
  readonly durationMs: number;
  constructor(what: string, durationMs: number, options: HarnessErrorOptions = {}) {
    super(`Timed out after ${durationMs} ms waiting for ${what}.`, {
      ...options,
      context: { ...options.context, durationMs },
    });
    this.durationMs = durationMs;
  }
  override get retryable(): boolean {
    return true;
  }
}

/** An operation that is not possible in the current state or on this machine (e.g. resume a running member). */
export class UnsupportedError extends HarnessError {
  override readonly name: string = 'UnsupportedError';
}

/** The run was cancelled (Ctrl-C, SIGTERM, or an AbortSignal): exit 130 for SIGINT, 143 for SIGTERM. */
export class CancelledError extends HarnessError {
  override readonly name: string = 'CancelledError';
  override readonly exitCode: number;
  constructor(message: string, exitCode = 130, options: HarnessErrorOptions = {}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export function isHarnessError(error: unknown): error is HarnessError {
  return error instanceof HarnessError;
}

/** A one-line description of any thrown value, for places that must not lose it. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
