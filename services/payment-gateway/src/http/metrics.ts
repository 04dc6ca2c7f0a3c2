import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { MessagingObserver } from '@rcp/messaging';

/** Prometheus metrics of one gateway instance (own registry, so several instances can live in one test process). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly results = new Counter({ name: 'gateway_result_events_total', help: 'Result events written to the outbox, by type', labelNames: ['type'], registers: [this.registry] });
  readonly consumed = new Counter({ name: 'gateway_messages_consumed_total', help: 'Request messages handled, by type and outcome', labelNames: ['type', 'outcome'], registers: [this.registry] });
  readonly consumeSeconds = new Counter({ name: 'gateway_messages_consume_seconds_total', help: 'Time spent handling request messages', labelNames: ['type'], registers: [this.registry] });
  readonly circuitOpen: Gauge;

  constructor(circuitStates: () => Record<string, string>, defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.circuitOpen = new Gauge({
      name: 'gateway_circuit_open',
      help: '1 when the card-API circuit breaker of the shop is open',
      labelNames: ['shop'],
      registers: [this.registry],
      collect() {
        for (const [shop, state] of Object.entries(circuitStates())) this.set({ shop }, state === 'open' ? 1 : 0);
      },
    });
  }

  observer(): MessagingObserver {
    return {
      onConsumed: (type, outcome, ms) => {
        this.consumed.inc({ type, outcome });
        this.consumeSeconds.inc({ type }, ms / 1000);
      },
    };
  }
}
