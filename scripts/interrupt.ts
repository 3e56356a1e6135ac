/**
 * The one Ctrl-C / SIGTERM handler of every command. The first signal prints a notice and aborts an
 * AbortSignal, so the work stops at its next safe point (a checkpoint, the requests in flight); a second
 * one either exits at once with 130 / 143 (`repeat: 'exit'`: train, compare) or is ignored (`'ignore'`:
 * forecast, score, whose records in flight are worth waiting for).
 */
import { interruptExitCode } from './exit-codes.ts';

export type InterruptSignalName = 'SIGINT' | 'SIGTERM';

export interface InterruptTrap {
  readonly signal: AbortSignal;
  /** The first signal received, or null. */
  readonly received: InterruptSignalName | null;
  /** 130 (SIGINT) or 143 (SIGTERM) once interrupted; 130 before. */
  readonly exitCode: number;
  /** Removes the handlers. Idempotent. */
  dispose(): void;
}

export interface TrapOptions {
  /** The notice printed on the first signal. */
  notice: (signal: InterruptSignalName) => string;
  write?: (text: string) => void;
  /** What a second signal does: exit at once, or nothing. */
  repeat: 'exit' | 'ignore';
  signals?: readonly InterruptSignalName[];
}

/** Traps SIGINT and SIGTERM (or `signals`) until `dispose()`. */
export function trapInterrupts(o: TrapOptions): InterruptTrap {
  const controller = new AbortController();
  const write = o.write ?? ((t: string) => void process.stderr.write(t));
  let received: InterruptSignalName | null = null;
  const handlers = new Map<InterruptSignalName, () => void>();
  for (const name of o.signals ?? (['SIGINT', 'SIGTERM'] as const)) {
    const handler = () => {
      if (received !== null) {
        if (o.repeat === 'exit') process.exit(interruptExitCode(name));
        return;
      }
      received = name;
      write(o.notice(name));
      controller.abort(new Error(`interrupted by ${name}`));
    };
    handlers.set(name, handler);
    process.on(name, handler);
  }
  return {
    signal: controller.signal,
    get received() {
      return received;
    },
    get exitCode() {
      return interruptExitCode(received ?? 'SIGINT');
    },
    dispose() {
      for (const [name, handler] of handlers) process.off(name, handler);
      handlers.clear();
    },
  };
}

/**
 * Runs `work` with Ctrl-C turned into an abort signal: the first Ctrl-C prints `message` and lets the work
 * stop at its next safe point (a checkpoint); a second one exits at once (130).
 */
export async function withInterrupt<T>(message: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const trap = trapInterrupts({ notice: () => `\ninterrupt: ${message} (Ctrl-C again to abort now)\n`, repeat: 'exit', signals: ['SIGINT'] });
  try {
    return await work(trap.signal);
  } finally {
    trap.dispose();
  }
}
