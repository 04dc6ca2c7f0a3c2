import { createServer, type AddressInfo, type Server } from 'node:net';
import { Client, Pool } from 'pg';
import { connectionErrorSafeClient } from './connection-errors';

/** A PostgreSQL wire-protocol message: type byte, length, body. */
const message = (type: string, body: Buffer): Buffer => {
  const out = Buffer.alloc(5 + body.length);
  out.write(type, 0);
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
};
const errorFields = (fields: Record<string, string>): Buffer => Buffer.concat([...Object.entries(fields).map(([k, v]) => Buffer.from(`${k}${v}\0`)), Buffer.from([0])]);

/**
 * A stand-in server that accepts a connection and, in one write, says "ready" and then terminates it — what
 * `pg_terminate_backend` on a backend that has just finished its start-up looks like to the client: pg reads both in
 * one socket read and handles the FATAL before the code that checked the connection out can attach a listener.
 */
async function readyThenTerminated(): Promise<Server> {
  const server = createServer((socket) => {
    socket.once('data', () => {
      socket.end(
        Buffer.concat([
          message('R', Buffer.from([0, 0, 0, 0])), // AuthenticationOk
          message('Z', Buffer.from('I')), // ReadyForQuery
          message('E', errorFields({ S: 'FATAL', V: 'FATAL', C: '57P01', M: 'terminating connection due to administrator command' })),
        ]),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A client class that records how many 'error' listeners each 'error' event found (0: the process would die). */
function listenerCounting(): { Class: typeof Client; counts: number[] } {
  const counts: number[] = [];
  class Counting extends Client {
    override emit(event: string | symbol, ...args: unknown[]): boolean {
      if (event !== 'error') return super.emit(event, ...args);
      counts.push(this.listenerCount('error'));
      return this.listenerCount('error') === 0 ? false : super.emit(event, ...args);
    }
  }
  return { Class: Counting, counts };
}

describe('connectionErrorSafeClient', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = await readyThenTerminated();
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const checkOut = async (Class: typeof Client) => {
    const pool = new Pool({ host: '127.0.0.1', port, user: 'u', database: 'd', Client: Class, max: 1 });
    pool.on('error', () => undefined);
    const client = await pool.connect();
    return { pool, client };
  };

  it('a connection terminated in the read that made it ready: pg-pool hands it over with no error listener', async () => {
    const { Class, counts } = listenerCounting();
    const { pool, client } = await checkOut(Class);
    expect(counts).toEqual([0]); // an unhandled 'error' event: the process would have died here
    client.release(true);
    await pool.end();
  });

  it('with the safe class the event finds its listener, and the holder learns it from its next statement', async () => {
    const { Class, counts } = listenerCounting();
    const { pool, client } = await checkOut(connectionErrorSafeClient(Class));
    expect(counts).toEqual([1]);
    await expect(client.query('SELECT 1')).rejects.toThrow(/not queryable/);
    client.release(true);
    await pool.end();
  });
});
