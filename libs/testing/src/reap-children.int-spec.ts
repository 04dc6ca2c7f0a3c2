import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repositoryRoot } from './spawn-service';

/** The built module (the integration tier builds first): a parent process must load it as plain JavaScript. */
const reaper = join(repositoryRoot(), 'dist', 'libs', 'testing', 'src', 'reap-children.js');

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs a parent that starts a long-sleeping child, hands it to reapOnExit, prints the child's pid and then ends the way
 * `ending` says; returns the child's pid and how the parent ended, once it is gone.
 */
async function childOfParentThat(ending: string, before = ''): Promise<{ pid: number; signal: NodeJS.Signals | null; output: string }> {
  const script = `
    ${before}
    const { spawn } = require('node:child_process');
    const { reapOnExit } = require(${JSON.stringify(reaper)});
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    reapOnExit(child);
    process.stdout.write(String(child.pid) + '\\n');
    setTimeout(() => { ${ending} }, 200);
  `;
  const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const signal = await new Promise<NodeJS.Signals | null>((r) => parent.once('exit', (_code, sig) => r(sig)));
  const pid = Number(out.trim().split('\n')[0]);
  expect(pid).toBeGreaterThan(0);
  return { pid, signal, output: out };
}

async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('reapOnExit', () => {
  it('kills the children still running when the parent calls process.exit', async () => {
    expect(await gone((await childOfParentThat('process.exit(0)')).pid)).toBe(true);
  });

  it('kills them when the parent dies of an uncaught error', async () => {
    expect(await gone((await childOfParentThat("throw new Error('boom')")).pid)).toBe(true);
  });

  it('kills them on a SIGTERM the parent does not handle, and the parent still dies of it', async () => {
    const parent = await childOfParentThat("process.kill(process.pid, 'SIGTERM'); setTimeout(() => process.stdout.write('survived\\n'), 2000)");
    expect(await gone(parent.pid)).toBe(true);
    expect(parent.signal).toBe('SIGTERM');
    expect(parent.output).not.toMatch(/survived/);
  });

  it("defers to the parent's own signal handler (registered before the first child, as the chaos runner's)", async () => {
    const parent = await childOfParentThat(
      "process.kill(process.pid, 'SIGTERM')",
      // the parent's graceful stop: looks whether its child still runs, then exits (the exit hook reaps it)
      "process.once('SIGTERM', () => setTimeout(() => { let up = true; try { process.kill(child.pid, 0); } catch { up = false; } process.stdout.write('child up during graceful stop: ' + up + '\\n'); process.exit(0); }, 200));",
    );
    expect(parent.output).toContain('child up during graceful stop: true');
    expect(parent.signal).toBeNull();
    expect(await gone(parent.pid)).toBe(true);
  });

  it('leaves a child alone when its parent is killed outright (SIGKILL: nothing runs), as a control', async () => {
    const { pid } = await childOfParentThat("process.kill(process.pid, 'SIGKILL')");
    try {
      expect(await gone(pid, 500)).toBe(false);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

describe('stopOnSignals', () => {
  /** Runs a parent that registers stopOnSignals with `stop` (a JS expression returning a promise), then signals itself. */
  async function parentStoppedBy(signal: NodeJS.Signals, stop: string): Promise<{ code: number | null; output: string; ms: number }> {
    const script = `
      const { stopOnSignals } = require(${JSON.stringify(reaper)});
      stopOnSignals(() => ${stop}, { boundMs: 300, log: (m) => process.stdout.write(m + '\\n') });
      setTimeout(() => process.kill(process.pid, ${JSON.stringify(signal)}), 100);
      setTimeout(() => process.stdout.write('still running\\n'), 5000);
    `;
    const started = Date.now();
    const parent = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
    let output = '';
    parent.stdout.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((r) => parent.once('exit', (c) => r(c)));
    return { code, output, ms: Date.now() - started };
  }

  it('runs the stop, then exits with 128 + the signal (SIGTERM 143, SIGINT 130)', async () => {
    const term = await parentStoppedBy('SIGTERM', "new Promise((r) => setTimeout(() => { process.stdout.write('stopped\\n'); r(); }, 50))");
    expect(term.output).toMatch(/SIGTERM: stopping\nstopped\n/);
    expect(term.code).toBe(143);
    const int = await parentStoppedBy('SIGINT', 'Promise.resolve()');
    expect(int.code).toBe(130);
    expect(int.output).not.toMatch(/still running/);
  });

  it('exits after its bound when the stop hangs, and says so when the stop fails', async () => {
    const hung = await parentStoppedBy('SIGTERM', 'new Promise(() => {})');
    expect(hung.code).toBe(143);
    expect(hung.ms).toBeLessThan(3000);
    const failed = await parentStoppedBy('SIGTERM', "Promise.reject(new Error('broker gone'))");
    expect(failed.output).toContain('stopping failed: Error: broker gone');
    expect(failed.code).toBe(143);
  });
});
