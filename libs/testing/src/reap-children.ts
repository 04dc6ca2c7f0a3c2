import type { ChildProcess } from 'node:child_process';

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
