import './tracing'; // MUST stay the first import: instrumentation only patches modules loaded after it
import pino from 'pino';
import { pinoOptions } from '@rcp/observability';
import { InvalidEnvironmentError, redactUrl } from '@rcp/config';
import { startSimulator } from './bootstrap';
import { configFromEnv } from './config';

/** Process entry: validates the environment, starts the simulator, shuts down gracefully on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = configFromEnv();
  } catch (err) {
    if (err instanceof InvalidEnvironmentError) {
      console.error(`rccs-simulator: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // the shared JSON line format (service, ISO time, level names, secret redaction) plus the simulator's own secrets
  const base = pinoOptions({ service: 'rccs-simulator', level: config.logLevel });
  const redact = base.redact as { paths: string[]; censor: string };
  const logger = pino({ ...base, redact: { ...redact, paths: [...redact.paths, 'serviceSecret', '*.serviceSecret', 'licenseKey', '*.licenseKey'] } });
  const sim = await startSimulator({ logger });
  logger.info(
    {
      url: sim.url,
      soapUrl: sim.soapUrl,
      store: config.store,
      database: config.store === 'postgres' ? redactUrl(config.databaseUrl) : undefined,
      processingDelayMs: config.settings.processingDelayMs,
      shops: config.shops.map((s) => s.shopUrl),
    },
    'rccs-simulator listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'rccs-simulator shutting down');
    setTimeout(() => {
      logger.error({}, 'shutdown took too long; exiting');
      process.exit(1);
    }, 15_000).unref();
    sim.close().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error({ err: err.message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((err: Error) => {
  console.error(`rccs-simulator failed to start: ${err.message}`);
  process.exit(1);
});
