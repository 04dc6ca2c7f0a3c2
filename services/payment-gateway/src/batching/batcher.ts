/**
 * Adaptive (group-commit) batching: a key's items are flushed at once when no flush of that key is running;
 * while one runs, new items collect and go out together when it ends. `maxSize` caps a batch (a full batch is
 * flushed at once, even next to a running one) and `maxWaitMs` caps how long an item waits behind a running flush.
 * So an idle system adds no wait and batches grow with load (≈ the arrivals during one flush).
 * Callers may `announce` an item before the work that precedes its `add` (e.g. the intake transaction): a flush
 * "at once" then waits for the announced items of the key (still bounded by `maxWaitMs`), so a burst delivered
 * together is not split into a lone first item and the rest.
 * An optional `linger` holds a key's first waiting item that long before its batch goes out (read at every decision,
 * so it can follow the load: see `SaturationLinger`); a full batch and `close()` still flush at once, and so does a
 * held batch that reached `lingerTarget` — the size the hold is for — so a hold lasts as long as the key's arrival
 * rate needs to fill it (a slow machine's batches are not smaller than a fast one's), and no longer.
 * `maxHeld` bounds the items waiting across all keys: a caller that acknowledges an item only once its batch went out
 * (a consumer with a prefetch window) must not have its whole window held, or holds would cap its throughput.
 */
export interface BatcherOptions {
  maxSize: number;
  maxWaitMs: number;
  /** Milliseconds a key's oldest waiting item is held before its batch goes out (≤ 0: no hold). Default none. */
  linger?: () => number;
  /** A held batch goes out as soon as it holds this many items (default `maxSize`: only a full batch ends a hold). */
  lingerTarget?: number;
  /** Most items waiting across all keys: reaching it sends the key with the most waiting at once. Default unbounded. */
  maxHeld?: number;
  /** Told of every batch handed to the flush function, with why it went then (metrics; a throw is only warned about). */
  onFlush?: (key: string, size: number, reason: FlushReason) => void;
}

/**
 * Why a batch went out when it did: `at-once` (nothing held it once no flush of its key ran: an idle key's first
 * items, or what collected behind a flush, when it ended), `full` (`maxSize`), `target` (a held batch reached
 * `lingerTarget`), `hold` (its linger ended), `wait` (its `maxWaitMs` behind a running flush or announced items
 * ended), `room` (`maxHeld` reached: the key holding most goes), `close`.
 */
export type FlushReason = 'at-once' | 'full' | 'target' | 'hold' | 'wait' | 'room' | 'close';

interface Pending<T, R> {
  item: T;
  /** `performance.now()` when added. */
  at: number;
  resolve(value: R): void;
  reject(err: unknown): void;
}

interface Group<T, R> {
  items: Pending<T, R>[];
  /** Flushes of this key still running. */
  inFlight: number;
  /** Items announced and neither added nor withdrawn yet. */
  announced: number;
  /** Upper bound on the oldest waiting item's wait. */
  timer?: NodeJS.Timeout;
  /** "Flush at once" is deferred to the end of the current event-loop turn so items added together go together. */
  immediate?: NodeJS.Immediate;
}

/**
 * In-process batcher: `add(key, item)` resolves with the item's own outcome once its batch was flushed.
 * The flush function returns one result per item, in order. A flush that throws rejects every item of the batch.
 */
export class Batcher<T, R> {
  private readonly groups = new Map<string, Group<T, R>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;
  /** Items waiting in all groups (kept in step with the groups' `items`). */
  private held = 0;

  constructor(
    private readonly options: BatcherOptions,
    private readonly flush: (key: string, items: T[]) => Promise<R[]>,
  ) {
    if (options.maxSize < 1) throw new Error('maxSize must be >= 1');
    if (options.lingerTarget !== undefined && !(options.lingerTarget >= 1)) throw new Error('lingerTarget must be >= 1');
    if (options.maxHeld !== undefined && !(options.maxHeld >= 1)) throw new Error('maxHeld must be >= 1');
  }

  add(key: string, item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher is shutting down'));
    return new Promise<R>((resolve, reject) => {
      let group = this.groups.get(key);
      if (!group) {
        group = this.group(key);
      }
      group.items.push({ item, resolve, reject, at: performance.now() });
      this.held++;
      const ready = this.readyReason(group);
      if (ready) {
        this.flushKey(key, ready);
        return;
      }
      if (this.held >= (this.options.maxHeld ?? Infinity)) {
        this.flushKey(this.keyHoldingMost(), 'room');
        if (group.items.length === 0) return; // it was this key
      }
      if (group.inFlight === 0) {
        if (!group.immediate) group.immediate = setImmediate(() => this.flushIfIdle(key));
      } else if (!group.timer) {
        this.flushBehindFlush(key, group);
      }
    });
  }

  /**
   * Announces an item of `key` that will be added soon; returns the withdrawal (idempotent), to be called right
   * after its `add` or when it will not be added after all.
   */
  announce(key: string): () => void {
    const group = this.groups.get(key) ?? this.group(key);
    group.announced++;
    let withdrawn = false;
    return () => {
      if (withdrawn) return;
      withdrawn = true;
      group.announced--;
      if (group.announced === 0 && group.inFlight === 0 && group.items.length > 0 && !group.immediate) {
        group.immediate = setImmediate(() => this.flushIfIdle(key));
      } else this.forgetIfIdle(key, group);
    };
  }

  /** Number of items waiting (not yet handed to a flush). */
  get waiting(): number {
    return this.held;
  }

  /** Flushes currently running (all keys). */
  get flushing(): number {
    return this.running.size;
  }

  /** Flushes everything waiting now, refuses new items and waits for every running flush. */
  async close(): Promise<void> {
    this.closed = true;
    for (const key of [...this.groups.keys()]) {
      while ((this.groups.get(key)?.items.length ?? 0) > 0) this.flushKey(key, 'close');
    }
    await Promise.allSettled([...this.running]);
  }

  private group(key: string): Group<T, R> {
    const group: Group<T, R> = { items: [], inFlight: 0, announced: 0 };
    this.groups.set(key, group);
    return group;
  }

  /**
   * "Flush at once": unless a flush of the key already runs, announced items are still coming (bounded wait) or the
   * oldest item is still lingering.
   */
  private flushIfIdle(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    group.immediate = undefined;
    if (group.items.length === 0 || group.inFlight > 0) return;
    if (group.announced > 0) {
      if (!group.timer) this.flushBehindFlush(key, group);
      return;
    }
    this.flushUnlessHeld(key, group);
  }

  /** The key's batch goes out now, or when what is left of its linger ends. */
  private flushUnlessHeld(key: string, group: Group<T, R>): void {
    const hold = this.holdMs(group);
    if (hold > 0) this.flushIn(key, group, hold, 'hold');
    else this.flushKey(key, 'at-once');
  }

  /** What is left of the oldest waiting item's linger (0: none, or it is over). */
  private holdMs(group: Group<T, R>): number {
    const linger = this.options.linger?.() ?? 0;
    const oldest = group.items[0];
    if (linger <= 0 || !oldest) return 0;
    return Math.max(0, oldest.at + linger - performance.now());
  }

  /** Why the key's waiting batch must go now whatever runs: it is full, or held and at the size it is held for. */
  private readyReason(group: Group<T, R>): 'full' | 'target' | undefined {
    if (group.items.length >= this.options.maxSize) return 'full';
    const target = this.options.lingerTarget;
    if (target !== undefined && group.items.length >= target && (this.options.linger?.() ?? 0) > 0) return 'target';
    return undefined;
  }

  /** Items behind a running flush (or announced items) wait `maxWaitMs`, or the linger when longer. */
  private flushBehindFlush(key: string, group: Group<T, R>): void {
    const hold = this.holdMs(group);
    if (hold > this.options.maxWaitMs) this.flushIn(key, group, hold, 'hold');
    else this.flushIn(key, group, this.options.maxWaitMs, 'wait');
  }

  /** (Re)arms the key's one timer. */
  private flushIn(key: string, group: Group<T, R>, ms: number, reason: FlushReason): void {
    if (group.timer) clearTimeout(group.timer);
    group.timer = setTimeout(() => this.flushKey(key, reason), ms);
  }

  /** Hands up to `maxSize` waiting items of the key to one flush; the rest keep waiting (or go next). */
  private flushKey(key: string, reason: FlushReason): void {
    const group = this.groups.get(key);
    if (!group) return;
    if (group.timer) clearTimeout(group.timer);
    if (group.immediate) clearImmediate(group.immediate);
    group.timer = undefined;
    group.immediate = undefined;
    const batch = group.items.splice(0, this.options.maxSize);
    this.held -= batch.length;
    if (batch.length === 0) return this.forgetIfIdle(key, group);
    this.tellFlush(key, batch.length, reason);
    const ready = this.readyReason(group);
    if (ready) this.flushKey(key, ready);
    else if (group.items.length > 0) this.flushBehindFlush(key, group);
    group.inFlight++;
    const run = Promise.resolve()
      .then(() => this.flush(
        key,
        batch.map((p) => p.item),
      ))
      .then((results) => {
        batch.forEach((p, i) => {
          if (i < results.length) p.resolve(results[i] as R);
          else p.reject(new Error('flush returned fewer results than items'));
        });
      })
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.running.delete(run);
        group.inFlight--;
        // the running flush ended: whatever collected meanwhile goes out as one batch, now or when its linger ends
        if (group.items.length === 0) this.forgetIfIdle(key, group);
        else this.flushUnlessHeld(key, group);
      });
    this.running.add(run);
  }

  /** A listener that throws must not leave a batch half handed out. */
  private tellFlush(key: string, size: number, reason: FlushReason): void {
    try {
      this.options.onFlush?.(key, size, reason);
    } catch (err) {
      process.emitWarning(`Batcher: flush listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The key with the most items waiting (the best batch to send when holds must make room). */
  private keyHoldingMost(): string {
    let most: [string, number] = ['', -1];
    for (const [key, g] of this.groups) if (g.items.length > most[1]) most = [key, g.items.length];
    return most[0];
  }

  private forgetIfIdle(key: string, group: Group<T, R>): void {
    if (group.items.length === 0 && group.inFlight === 0 && group.announced === 0 && this.groups.get(key) === group) this.groups.delete(key);
  }
}
