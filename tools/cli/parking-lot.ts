/**
 * Parking-lot CLI: `node dist/tools/cli/parking-lot.js list|inspect|replay|purge --queue <q> [--id <messageId>] [--all] [--json]`.
 * Broker from RABBITMQ_URL. Exit codes: 0 ok, 1 failure, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { redactUrl } from '@rcp/config';
import { ParkedMessage, ParkingLot } from '@rcp/messaging';

/** Where the CLI writes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

class UsageError extends Error {}

function summary(m: ParkedMessage): string {
  return [m.messageId ?? '<no id>', m.type ?? '?', m.code ?? '?', `attempt ${m.attempt ?? '-'}`, m.parkedAt ?? '', `→ ${m.originalQueue}`, m.reason ?? ''].join('  ');
}

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. Never throws. */
export async function runParkingLotCli(argv: string[], io: CliIo): Promise<number> {
  let lot: ParkingLot | undefined;
  const open = (): ParkingLot => {
    const url = io.env.RABBITMQ_URL;
    if (!url) throw new UsageError('RABBITMQ_URL is not set');
    lot = new ParkingLot({ url, connectionName: 'parking-lot-cli' });
    return lot;
  };
  const print = (json: boolean, value: unknown, text: string) => io.out(json ? JSON.stringify(value, null, 2) : text);
  let code = 0;

  const program = new Command('parking-lot')
    .description('Inspect and replay parked messages (<queue>.dlq)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .showHelpAfterError();

  program
    .command('list')
    .description('list parked messages without removing them')
    .requiredOption('--queue <queue>', 'consumer queue or its .dlq')
    .option('--limit <n>', 'at most n messages', '50')
    .option('--json', 'JSON output', false)
    .action(async (o: { queue: string; limit: string; json: boolean }) => {
      const limit = Number(o.limit);
      if (!Number.isInteger(limit) || limit <= 0) throw new UsageError('--limit must be a positive integer');
      const list = await open().list(o.queue, limit);
      print(o.json, list, list.length ? list.map(summary).join('\n') : '(empty)');
    });

  program
    .command('inspect')
    .description('show one parked message with headers, history and body')
    .requiredOption('--queue <queue>', 'consumer queue or its .dlq')
    .requiredOption('--id <messageId>', 'message id')
    .option('--json', 'JSON output', false)
    .action(async (o: { queue: string; id: string; json: boolean }) => {
      const m = await open().inspect(o.queue, o.id);
      if (!m) {
        io.err(`message ${o.id} is not in the parking lot of ${o.queue}`);
        code = 1;
        return;
      }
      print(o.json, m, `${summary(m)}\nhistory: ${JSON.stringify(m.history, null, 2)}\nbody: ${JSON.stringify(m.body, null, 2)}`);
    });

  program
    .command('replay')
    .description('send parked messages back to their original queue (attempts reset)')
    .requiredOption('--queue <queue>', 'consumer queue or its .dlq')
    .option('--id <messageId...>', 'message id(s) to replay')
    .option('--all', 'replay every parked message', false)
    .option('--json', 'JSON output', false)
    .action(async (o: { queue: string; id?: string[]; all: boolean; json: boolean }) => {
      if (Boolean(o.all) === Boolean(o.id?.length)) throw new UsageError('replay needs exactly one of --id <messageId> or --all');
      const result = await open().replay(o.queue, o.all ? { all: true } : { messageIds: o.id ?? [] });
      print(o.json, result, `replayed ${result.replayed.length}; not found ${result.notFound.length}; failed ${result.failed.length}`);
      if (result.failed.length || result.notFound.length) code = 1;
    });

  program
    .command('purge')
    .description('delete every parked message of the queue')
    .requiredOption('--queue <queue>', 'consumer queue or its .dlq')
    .option('--json', 'JSON output', false)
    .action(async (o: { queue: string; json: boolean }) => {
      const purged = await open().purge(o.queue);
      print(o.json, { purged }, `purged ${purged} message(s)`);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    if (argv.length === 0) {
      program.outputHelp();
      return 2;
    }
    return code;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      io.err(`usage error: ${err.message}`);
      return 2;
    }
    const message = (err as Error).message ?? String(err);
    io.err(`failed: ${io.env.RABBITMQ_URL ? message.split(io.env.RABBITMQ_URL).join(redactUrl(io.env.RABBITMQ_URL)) : message}`);
    return 1;
  } finally {
    await lot?.close();
  }
}

if (require.main === module) {
  void runParkingLotCli(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    env: process.env,
  }).then((code) => process.exit(code));
}
