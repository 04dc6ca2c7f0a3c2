import { loadGatewayConfig } from './gateway-config';

describe('loadGatewayConfig', () => {
  it('applies defaults (port 3001, batch 100 / 50 ms, linger 100 ms growing to 2 s while saturated, stuck after 1 h)', () => {
    const c = loadGatewayConfig({});
    expect(c.port).toBe(3001);
    expect(c.batch).toEqual({ maxOrders: 100, maxWaitMs: 50, saturation: { lingerMs: 100, maxLingerMs: 2000, onAboveMs: 1, offBelowMs: expect.closeTo(2 / 3, 5) }, lingerTarget: 56, maxHeld: 300 });
    expect(c.stuck.afterMs).toBe(3_600_000);
    expect(c.prefetch).toBeGreaterThan(c.batch.maxOrders);
  });

  it('names every bad variable and never echoes shop secrets', () => {
    const secret = 'super-secret-auth-key';
    let message = '';
    try {
      loadGatewayConfig({ GATEWAY_PORT: 'x', GATEWAY_SHOPS: JSON.stringify([{ shopId: 's', shopUrl: 's', userName: 'u', authKey: secret, extra: 1 }, { shopId: 1, authKey: secret }]) });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/GATEWAY_PORT/);
    expect(message).toMatch(/GATEWAY_SHOPS/);
    expect(message).not.toContain(secret);
  });

  it('turns the saturation linger off with GATEWAY_BATCH_LINGER_MS=0 and derives its lower threshold', () => {
    const c = loadGatewayConfig({ GATEWAY_BATCH_LINGER_MS: '0', GATEWAY_SATURATION_LOOP_DELAY_MS: '3' });
    expect(c.batch.saturation).toEqual({ lingerMs: 0, maxLingerMs: 2000, onAboveMs: 3, offBelowMs: 2 });
    expect(() => loadGatewayConfig({ GATEWAY_SATURATION_LOOP_DELAY_MS: '0' })).toThrow(/GATEWAY_SATURATION_LOOP_DELAY_MS/);
  });

  it('reads the size a held batch is held for, at most a whole batch', () => {
    expect(loadGatewayConfig({ GATEWAY_BATCH_LINGER_TARGET_ORDERS: '20' }).batch.lingerTarget).toBe(20);
    expect(loadGatewayConfig({ GATEWAY_BATCH_LINGER_TARGET_ORDERS: '80', GATEWAY_BATCH_MAX_ORDERS: '60' }).batch.lingerTarget).toBe(60);
    expect(() => loadGatewayConfig({ GATEWAY_BATCH_LINGER_TARGET_ORDERS: '0' })).toThrow('GATEWAY_BATCH_LINGER_TARGET_ORDERS');
  });

  it('leaves one full batch of the prefetch window free of held operations', () => {
    expect(loadGatewayConfig({ GATEWAY_PREFETCH: '400' }).batch.maxHeld).toBe(300);
    const smallWindow = loadGatewayConfig({ GATEWAY_PREFETCH: '10', GATEWAY_BATCH_MAX_ORDERS: '20' });
    expect([smallWindow.prefetch, smallWindow.batch.maxHeld]).toEqual([21, 1]);
  });

  it('holds the linger at its first value when the most it may grow to is set below it', () => {
    expect(loadGatewayConfig({ GATEWAY_BATCH_LINGER_MAX_MS: '0' }).batch.saturation).toMatchObject({ lingerMs: 100, maxLingerMs: 100 });
    expect(loadGatewayConfig({ GATEWAY_BATCH_LINGER_MS: '50', GATEWAY_BATCH_LINGER_MAX_MS: '200' }).batch.saturation).toMatchObject({ lingerMs: 50, maxLingerMs: 200 });
    expect(() => loadGatewayConfig({ GATEWAY_BATCH_LINGER_MAX_MS: '-1' })).toThrow(/GATEWAY_BATCH_LINGER_MAX_MS/);
  });

  it('parses shops and retry tiers', () => {
    const c = loadGatewayConfig({ GATEWAY_SHOPS: JSON.stringify([{ shopId: 's1', shopUrl: 'u1', userName: 'n', authKey: 'k' }]), GATEWAY_RETRY_DELAYS_MS: '100, 200' });
    expect(c.shops[0]?.shopId).toBe('s1');
    expect(c.retry.delaysMs).toEqual([100, 200]);
  });
});
