import { InvalidEnvironmentError } from '@rcp/config';
import { DEFAULT_SIMULATOR_DATABASE_URL, configFromEnv } from './config';

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    configFromEnv(env);
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) return err.problems;
    throw err;
  }
  throw new Error('expected the environment to be refused');
}

describe('configFromEnv', () => {
  it('has working defaults', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({
      port: 3003,
      host: '0.0.0.0',
      store: 'postgres',
      databaseUrl: DEFAULT_SIMULATOR_DATABASE_URL,
      shops: [{ shopUrl: 'demo-shop', userName: 'demo-user', authKey: 'demo-auth-key' }],
      declineRules: [],
      faults: [],
      adminAllowRemote: false,
      resultAllRows: 'latest',
      payTypes: [0, 1, 2, 3, 4],
    });
    expect(c.settings).toMatchObject({ processingDelayMs: 30_000, autoProvision: true, authValidityDays: 60, strictOrder: false, acceptEsa: true });
    expect(c.limits).toEqual({
      maxOrdersPerRequest: 100,
      maxIdsPerResultQuery: 100,
      requestIdTtlMs: 86_400_000,
      resultAllMaxDays: 63,
      resultAllMaxRows: 10_000,
      maxBodyBytes: 1_048_576,
    });
  });

  it('reads JSON variables and switches', () => {
    const c = configFromEnv({
      SIM_PORT: '0',
      SIM_STORE: 'memory',
      SIM_PROCESSING_DELAY_MS: '0',
      SIM_AUTO_PROVISION: 'false',
      SIM_SHOPS: '[{"shopUrl":"a","userName":"u","authKey":"k"}]',
      SIM_DECLINE_RULES: '[{"minAmount":100000,"code":"G55"}]',
      SIM_FAULTS: '[{"type":"http500","rate":0.1,"operations":["authori"]}]',
      SIM_CARD_STATUS_CODES: '{"authCancelled":52}',
      SIM_KIND_CODES: '{"sales":3,"authoriCancel":2}',
      SIM_PAY_TYPES: '0, 1',
    });
    expect(c).toMatchObject({ port: 0, store: 'memory', shops: [{ shopUrl: 'a' }], cardStatusCodes: { authCancelled: 52 }, payTypes: [0, 1] });
    expect(c.settings).toMatchObject({ processingDelayMs: 0, autoProvision: false });
    expect(c.declineRules).toEqual([{ minAmount: 100000, code: 'G55' }]);
    expect(c.faults).toEqual([{ type: 'http500', rate: 0.1, operations: ['authori'] }]);
  });

  it('names every bad variable at once without echoing values', () => {
    const p = problems({
      SIM_PORT: 'abc',
      SIM_STORE: 'redis',
      SIM_SHOPS: '[{"shopUrl":"a","userName":"u","authKey":"super-secret-key","extra":1}]',
      SIM_FAULTS: '{not json',
      SIM_DECLINE_RULES: '[{"orderNumberPattern":"("}]',
      SIMULATOR_DATABASE_URL: 'not a url',
    });
    const text = p.join('\n');
    for (const name of ['SIM_PORT', 'SIM_STORE', 'SIM_SHOPS', 'SIM_FAULTS', 'SIM_DECLINE_RULES', 'SIMULATOR_DATABASE_URL']) expect(text).toContain(name);
    expect(text).not.toContain('super-secret-key');
  });

  it('refuses faults that are impossible to apply', () => {
    expect(problems({ SIM_FAULTS: '[{"type":"delay"}]' }).join()).toMatch(/SIM_FAULTS.*delayMs/);
    expect(problems({ SIM_FAULTS: '[{"type":"http500","rate":2}]' }).join()).toMatch(/SIM_FAULTS/);
    expect(problems({ SIM_FAULTS: '[{"type":"explode"}]' }).join()).toMatch(/SIM_FAULTS/);
  });
});
