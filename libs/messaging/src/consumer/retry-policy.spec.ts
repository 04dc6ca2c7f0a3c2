import { buildRetryTiers } from '../topology';
import { appendRetryHistory, chooseRetryQueue, parseRetryHistory } from './retry-policy';

describe('retry tier choice with jitter', () => {
  const tiers = buildRetryTiers('gw', [1000, 5000, 30000], 3, 0.3);

  it('builds a base queue and jitter variants per tier with growing TTLs', () => {
    expect(tiers.map((t) => t.queues.map((q) => [q.name, q.ttlMs]))).toEqual([
      [['gw.retry.1', 1000], ['gw.retry.1.j1', 1150], ['gw.retry.1.j2', 1300]],
      [['gw.retry.2', 5000], ['gw.retry.2.j1', 5750], ['gw.retry.2.j2', 6500]],
      [['gw.retry.3', 30000], ['gw.retry.3.j1', 34500], ['gw.retry.3.j2', 39000]],
    ]);
    expect(buildRetryTiers('q', [100], 1)[0].queues).toEqual([{ name: 'q.retry.1', ttlMs: 100 }]);
  });

  it('picks the tier by failed attempt (capped at the last) and the jitter queue by the random draw', () => {
    expect(chooseRetryQueue(tiers, 1, () => 0).name).toBe('gw.retry.1');
    expect(chooseRetryQueue(tiers, 1, () => 0.5).name).toBe('gw.retry.1.j1');
    expect(chooseRetryQueue(tiers, 2, () => 0.99).name).toBe('gw.retry.2.j2');
    expect(chooseRetryQueue(tiers, 3, () => 0).name).toBe('gw.retry.3');
    expect(chooseRetryQueue(tiers, 9, () => 0.4).name).toBe('gw.retry.3.j1');
    expect(chooseRetryQueue(tiers, 0, () => 1).name).toBe('gw.retry.1.j2');
    expect(() => chooseRetryQueue([], 1)).toThrow('no retry tiers');
  });

  it('spreads retries over all jitter queues', () => {
    const names = new Set(Array.from({ length: 200 }, () => chooseRetryQueue(tiers, 2).name));
    expect(names).toEqual(new Set(['gw.retry.2', 'gw.retry.2.j1', 'gw.retry.2.j2']));
  });
});

describe('retry history header', () => {
  it('appends entries with truncated messages and keeps the newest 20', () => {
    const first = appendRetryHistory([], 1, 'x'.repeat(1000), new Date('2025-01-01T00:00:00Z'));
    const parsed = parseRetryHistory(first);
    expect(parsed).toHaveLength(1);
    expect(parsed[0]).toMatchObject({ attempt: 1, at: '2025-01-01T00:00:00.000Z' });
    expect(parsed[0].error.length).toBe(300);
    let history = parsed;
    for (let i = 2; i <= 25; i++) history = parseRetryHistory(appendRetryHistory(history, i, `e${i}`));
    expect(history).toHaveLength(20);
    expect(history[19].attempt).toBe(25);
  });

  it('tolerates missing or garbage headers', () => {
    expect(parseRetryHistory(undefined)).toEqual([]);
    expect(parseRetryHistory('not json')).toEqual([]);
    expect(parseRetryHistory('{"a":1}')).toEqual([]);
    expect(parseRetryHistory(Buffer.from('[{"attempt":1,"at":"t","error":"e"},{"bad":true}]'))).toEqual([{ attempt: 1, at: 't', error: 'e' }]);
  });
});
