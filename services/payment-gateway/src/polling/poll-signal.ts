/**
 * In-process signal "a card request of this process becomes due for polling in `inMs`": the submitter notifies
 * when it moved a request to `submitted`, the background worker listens and wakes (or shortens its sleep) instead of
 * waiting for a tick. Requests of other replicas are their own replica's business; the worker also sleeps only until
 * the earliest due poll it reads from the database, so nothing depends on a signal arriving.
 */
export class PollSignal {
  private readonly listeners = new Set<(inMs: number) => void>();

  notify(inMs: number): void {
    for (const l of this.listeners) l(Math.max(0, inMs));
  }

  /** Returns the unsubscription. */
  listen(fn: (inMs: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/** The process-wide signal (the submitter and the worker of one process meet here). */
export const pollSignal = new PollSignal();
