import { reportLinger } from './report-linger';

describe('reportLinger', () => {
  it('sets the gauge on every change and logs the start, the first time at the cap, and the end', () => {
    const gauge: number[] = [];
    const lines: string[] = [];
    const report = reportLinger((ms) => gauge.push(ms), (line) => lines.push(line), 800);
    const change = (saturated: boolean, lingerMs: number, stateChanged = false) => report({ saturated, lingerMs, smoothedDelayMs: 3, stateChanged });
    change(true, 100, true);
    change(true, 150);
    change(true, 800);
    change(true, 533); // relieved a little
    change(true, 800); // back at the cap: not logged again
    change(false, 0, true);
    change(true, 100, true);
    change(true, 800); // a new saturation logs its cap again
    expect(gauge).toEqual([100, 150, 800, 533, 800, 0, 100, 800]);
    expect(lines).toEqual([
      'saturated: card API batches linger 100 ms (smoothed event-loop delay 3.00 ms)',
      'still saturated: card API batches linger 800 ms (the most) (smoothed event-loop delay 3.00 ms)',
      'no longer saturated: card API batches go at once (smoothed event-loop delay 3.00 ms)',
      'saturated: card API batches linger 100 ms (smoothed event-loop delay 3.00 ms)',
      'still saturated: card API batches linger 800 ms (the most) (smoothed event-loop delay 3.00 ms)',
    ]);
  });
});
