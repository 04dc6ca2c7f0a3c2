import type { SaturationChange } from './linger-while-saturated';

/**
 * The listener of the gateway's `SaturationLinger`: every change sets the gauge (`rcp_batch_linger_ms`), and the log
 * gets the start, the end and the first time within a saturation that the hold reaches its cap — not each step of
 * the hold, which may swing around the cap every second while a backlog is worked off.
 */
export function reportLinger(setGauge: (lingerMs: number) => void, log: (line: string) => void, maxLingerMs: number): (change: SaturationChange) => void {
  let capLogged = false;
  return ({ saturated, lingerMs, smoothedDelayMs, stateChanged }) => {
    setGauge(lingerMs);
    if (stateChanged) capLogged = false;
    else if (capLogged || lingerMs < maxLingerMs) return;
    else capLogged = true;
    const state = !saturated
      ? 'no longer saturated: card API batches go at once'
      : stateChanged
        ? `saturated: card API batches linger ${lingerMs} ms`
        : `still saturated: card API batches linger ${lingerMs} ms (the most)`;
    log(`${state} (smoothed event-loop delay ${smoothedDelayMs.toFixed(2)} ms)`);
  };
}
