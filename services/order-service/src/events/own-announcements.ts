/**
 * Ids of the OrderReceived events this process announced (bounded, oldest forgotten first). The service's queue binds
 * `order.received`, so each announcement comes back; the consumer recognises its own by id, without the database,
 * and external events are handled exactly as before (no extra step in front of their inbox transaction).
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
  }

  /** Whether the id was added (and not yet forgotten); forgets it (an echo comes back once per replica queue). */
  take(id: string): boolean {
    return this.ids.delete(id);
  }

  get size(): number {
    return this.ids.size;
  }
}

/** OrderReceived ids announced by this process. */
export const ownAnnouncements = new RecentIds(50_000);
