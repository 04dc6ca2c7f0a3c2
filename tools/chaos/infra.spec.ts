import { retried } from './infra';

describe('retried', () => {
  it('returns the first success after failures, trying no more than it must', async () => {
    let calls = 0;
    const value = await retried(async () => {
      calls++;
      if (calls < 3) throw new Error(`listing failed ${calls}`);
      return 'listed';
    }, 3, 1);
    expect(value).toBe('listed');
    expect(calls).toBe(3);
  });

  it('throws the last failure once the attempts are spent', async () => {
    let calls = 0;
    await expect(
      retried(async () => {
        calls++;
        throw new Error(`listing failed ${calls}`);
      }, 2, 1),
    ).rejects.toThrow('listing failed 2');
    expect(calls).toBe(2);
  });
});
