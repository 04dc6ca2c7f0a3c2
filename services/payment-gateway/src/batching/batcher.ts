/** Groups items by key and flushes a group when it is full or its oldest item waited `maxWaitMs`. */
export interface BatcherOptions {
  maxSize: number;
  maxWaitMs: number;
}


interface Pending<T, R> {
  item: T;
  resolve(value: R): void;
  reject(err: unknown): void;
}

interface Group<T, R> {
  items: Pending<T, R>[];
  timer?: NodeJS.Timeout;
}

/**
 * In-process batcher: `add(key, item)` resolves with the item's own outcome once its batch was flushed.
 * The flush function returns one result per item, in order. A flush that throws rejects every item of the batch.
 */
export class Batcher<T, R> {
  private readonly groups = new Map<string, Group<T, R>>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  constructor(
    private readonly options: BatcherOptions,
    private readonly flush: (key: string, items: T[]) => Promise<R[]>,
  ) {
    if (options.maxSize < 1) throw new Error('maxSize must be >= 1');
  }

  add(key: string, item: T): Promise<R> {
    if (this.closed) return Promise.reject(new Error('batcher is shutting down'));
    return new Promise<R>((resolve, reject) => {
      let group = this.groups.get(key);
      if (!group) {
        group = { items: [] };
        this.groups.set(key, group);
      }
      group.items.push({ item, resolve, reject });
      if (group.items.length >= this.options.maxSize) this.flushKey(key);
      else if (!group.timer) {
        group.timer = setTimeout(() => this.flushKey(key), this.options.maxWaitMs);
      }
    });
  }

  /** Number of items waiting (not yet handed to a flush). */
  get waiting(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.items.length;
    return n;
  }

  /** Flushes everything waiting now, refuses new items and waits for every running flush. */
  async close(): Promise<void> {
    this.closed = true;
    for (const key of [...this.groups.keys()]) this.flushKey(key);
    await Promise.allSettled([...this.running]);
  }

  private flushKey(key: string): void {
    const group = this.groups.get(key);
    if (!group) return;
    if (group.timer) clearTimeout(group.timer);
    this.groups.delete(key);
    const batch = group.items.splice(0, this.options.maxSize);
    if (group.items.length > 0) {
      // more than one batch worth arrived at once: keep the rest as a new group
      const rest: Group<T, R> = { items: group.items };
      this.groups.set(key, rest);
      this.flushKey(key);
    }
    const run = this.flush(
      key,
      batch.map((p) => p.item),
    )
      .then((results) => {
        batch.forEach((p, i) => {
          if (i < results.length) p.resolve(results[i] as R);
          else p.reject(new Error('flush returned fewer results than items'));
        });
      })
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }
}
