import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

const osSignals: Partial<Record<NodeJS.Signals, number>> = constants.signals;

/** Children handed to {@link reapOnExit} that have not exited yet. */
const running = new Set<ChildProcess>();
const FATAL_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let hooksInstalled = false;

/**
 * Makes sure `child` does not outlive this process: when this process exits (normally, by `process.exit` or an
 * uncaught error) the children still running are SIGKILLed; so are they on a fatal signal nobody else handles, which
 * is then re-raised (the process still dies of it). A process that handles the signal itself (the bench, the chaos
 * runner) stops its children its own way first. Without this an interrupted test run or benchmark left services
 * running, each holding a broker consumer and taking CPU from the next measurement.
 */
export function reapOnExit(child: ChildProcess): void {
  if (!hooksInstalled) installHooks();
  running.add(child);
  child.once('exit', () => running.delete(child));
}

function installHooks(): void {
  hooksInstalled = true;
  process.on('exit', killRunning);
  for (const signal of FATAL_SIGNALS) {
    const onSignal = () => {
      // first in line (prepended), so a `once` handler of the process's own still counts here: it runs next
      if (process.listenerCount(signal) > 1) return; // the process handles it itself
      killRunning();
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.prependListener(signal, onSignal);
  }
}

function killRunning(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export interface StopOnSignalsOptions {
  /** Signals that stop the run; default SIGINT and SIGTERM. */
  signals?: readonly NodeJS.Signals[];
  /** Most the stop may take before the process exits anyway (ms); default 30000. */
  boundMs?: number;
  log?: (msg: string) => void;
}

/**
 * An interrupted run (Ctrl-C, SIGTERM) runs `stop` — its instruments, then what it started: services stopped,
 * databases dropped, queues deleted — at most `boundMs`, then exits with 128 + the signal's number; whatever is still
 * running then is killed as the process exits ({@link reapOnExit}). A second signal while stopping is ignored.
 */
export function stopOnSignals(stop: () => Promise<void>, options: StopOnSignalsOptions = {}): void {
  const { signals = ['SIGINT', 'SIGTERM'], boundMs = 30_000, log = (msg: string) => process.stderr.write(`${msg}\n`) } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    const bound = new Promise<void>((r) => setTimeout(r, boundMs).unref());
    void Promise.race([stop().catch((err: unknown) => log(`stopping failed: ${String(err)}`)), bound]).finally(() =>
      process.exit(128 + (osSignals[signal] ?? 15)),
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
}
