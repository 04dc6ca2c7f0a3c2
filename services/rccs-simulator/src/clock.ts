/** The simulator's notion of "now": real time plus an offset, or frozen. Set and advanced through the admin API. */
export interface ClockState {
  offsetMs: number;
  frozenAt: number | null;
}

export class SimClock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  /** @param base - the underlying time source (epoch ms); tests may pass their own */
  constructor(private readonly base: () => number = Date.now) {}

  now(): Date {
    return new Date(this.frozenAt ?? this.base() + this.offsetMs);
  }

  set(at: Date): void {
    if (this.frozenAt !== null) this.frozenAt = at.getTime();
    else this.offsetMs = at.getTime() - this.base();
  }

  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Stops time at the current instant (status progression then only moves with `advance`/`set`). */
  freeze(): void {
    if (this.frozenAt === null) this.frozenAt = this.now().getTime();
  }

  /** Lets time flow again from the frozen instant. */
  unfreeze(): void {
    if (this.frozenAt === null) return;
    this.offsetMs = this.frozenAt - this.base();
    this.frozenAt = null;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = null;
  }

  state(): ClockState {
    return { offsetMs: this.offsetMs, frozenAt: this.frozenAt };
  }

  restore(state: ClockState | undefined): void {
    this.offsetMs = state?.offsetMs ?? 0;
    this.frozenAt = state?.frozenAt ?? null;
  }
}
