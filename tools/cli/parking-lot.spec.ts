import { runParkingLotCli } from './parking-lot';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env, outs: out, errs: err };
}

describe('parking-lot CLI usage', () => {
  it('exits 2 on usage errors without touching the broker', async () => {
    expect(await runParkingLotCli([], io())).toBe(2);
    expect(await runParkingLotCli(['frobnicate'], io())).toBe(2);
    expect(await runParkingLotCli(['list'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(2);
    expect(await runParkingLotCli(['inspect', '--queue', 'q'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(2);
    expect(await runParkingLotCli(['replay', '--queue', 'q'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(2);
    expect(await runParkingLotCli(['replay', '--queue', 'q', '--all', '--id', 'a'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(2);
    expect(await runParkingLotCli(['list', '--queue', 'q', '--limit', '0'], io({ RABBITMQ_URL: 'amqp://x' }))).toBe(2);
    const noUrl = io();
    expect(await runParkingLotCli(['purge', '--queue', 'q'], noUrl)).toBe(2);
    expect(noUrl.errs.join('\n')).toContain('RABBITMQ_URL');
  });

  it('exits 0 for --help', async () => {
    const h = io();
    expect(await runParkingLotCli(['--help'], h)).toBe(0);
    expect(h.outs.join('\n')).toContain('replay');
  });

  it('exits 1 when the broker cannot be reached, with the password redacted', async () => {
    const x = io({ RABBITMQ_URL: 'amqp://user:hunter2@127.0.0.1:1' });
    expect(await runParkingLotCli(['list', '--queue', 'q'], x)).toBe(1);
    expect(x.errs.join('\n')).toContain('failed');
    expect(x.errs.join('\n')).not.toContain('hunter2');
  });
});
