import 'reflect-metadata';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SimulatorModule } from './app.module';
import { SimClock } from './clock';
import { type RuntimeSettings, type SimulatorConfig, configFromEnv } from './config';
import { RccsApi } from './rccs-api';
import { type Logger, SimulatorRuntime, silentLogger } from './runtime';
import { SoapEndpoint } from './soap/soap-endpoint';
import { MemoryStore } from './store/memory.store';
import { PostgresStore } from './store/postgres.store';
import type { SimulatorStore } from './store/store.port';
import { SOAP_PATH, WsdlDocument } from './wsdl/wsdl';

export type ConfigOverrides = Partial<Omit<SimulatorConfig, 'settings' | 'limits'>> & {
  settings?: Partial<RuntimeSettings>;
  limits?: Partial<SimulatorConfig['limits']>;
};

export interface StartOptions {
  /** Environment to read (default `process.env`); validated like at a real start. */
  env?: NodeJS.ProcessEnv;
  /** Values that win over the environment (e.g. `{ port: 0, store: 'memory' }`). */
  config?: ConfigOverrides;
  /** A ready store instead of the configured one (it is initialised and closed by the simulator). */
  store?: SimulatorStore;
  /** Injectable clock (tests); the admin API moves it. */
  clock?: SimClock;
  logger?: Logger;
}

export interface RunningSimulator {
  /** Base http URL, e.g. `http://127.0.0.1:3003`. */
  url: string;
  /** SOAP endpoint URL (append `?wsdl` for the WSDL). */
  soapUrl: string;
  port: number;
  runtime: SimulatorRuntime;
  close(): Promise<void>;
}

/** How long `close()` lets in-flight requests finish before cutting connections. */
const CLOSE_GRACE_MS = 5000;

/** Starts the simulator (HTTP server + store) and resolves once it listens. */
export async function startSimulator(options: StartOptions = {}): Promise<RunningSimulator> {
  const base = configFromEnv(options.env ?? process.env);
  const o = options.config ?? {};
  const config: SimulatorConfig = {
    ...base,
    ...o,
    settings: { ...base.settings, ...o.settings },
    limits: { ...base.limits, ...o.limits },
  };
  const logger = options.logger ?? silentLogger;
  const store = options.store ?? (config.store === 'memory' ? new MemoryStore() : new PostgresStore({ url: config.databaseUrl, poolSize: config.dbPoolSize, synchronousCommit: config.dbSynchronousCommit, preparedStatements: config.dbPreparedStatements }));
  await store.init();
  let app: NestExpressApplication | undefined;
  try {
    const runtime = new SimulatorRuntime(config, store, options.clock ?? new SimClock(), logger);
    await runtime.load();
    const api = new RccsApi(runtime);
    const endpoint = new SoapEndpoint(runtime, api);
    app = await NestFactory.create<NestExpressApplication>(SimulatorModule.register({ runtime, api, endpoint, wsdl: new WsdlDocument() }), {
      bodyParser: false,
      logger: false,
      abortOnError: false,
    });
    app.getHttpAdapter().getInstance().disable('x-powered-by');
    await app.listen(config.port, config.host);
    const server = app.getHttpServer() as Server;
    const port = (server.address() as AddressInfo).port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    const running = app;
    let closing: Promise<void> | undefined;
    return {
      url,
      soapUrl: `${url}${SOAP_PATH}`,
      port,
      runtime,
      close: () =>
        (closing ??= (async () => {
          endpoint.releaseHanging();
          server.closeIdleConnections();
          const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
          try {
            await running.close();
          } finally {
            clearTimeout(force);
            await store.close();
          }
        })()),
    };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}
