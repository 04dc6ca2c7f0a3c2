import * as amqp from 'amqplib';
import { createEnvelope, PaymentTagChanged } from '@rcp/contracts';
import { envelopeProperties, resolveTopology } from '@rcp/messaging';

/**
 * B1: raw amqplib publish→consume round trips with publisher confirms, through a topic exchange into a quorum queue
 * declared exactly like ours (`resolveTopology`: quorum, delivery limit, dead-lettering, reject-publish), persistent
 * messages with our envelope and properties, manual acks, at most `window` messages in flight (our confirm window).
 * Returns round trips per second.
 */
export async function baselineAmqp(url: string, prefix: string, durationMs: number, window = 64): Promise<number> {
  const connection = await amqp.connect(url);
  try {
    const publishChannel = await connection.createConfirmChannel();
    const consumeChannel = await connection.createChannel();
    const topology = resolveTopology({ namePrefix: `${prefix}.b1`, queue: 'bench-b1', bindings: ['order.#'] });
    const consumer = topology.consumer!;
    await publishChannel.assertExchange(topology.exchange, 'topic', topology.exchangeOptions);
    await publishChannel.assertQueue(consumer.queue, { durable: true, arguments: consumer.queueArguments });
    await publishChannel.bindQueue(consumer.queue, topology.exchange, 'order.#');
    await consumeChannel.prefetch(window);
    const envelope = createEnvelope(
      PaymentTagChanged,
      { orderNumber: '999001-20250101-0000000001', from: 'オーソリ中', to: 'オーソリ済', cause: 'AuthCompleted', actor: 'payment-gateway', operationId: '00000000-0000-4000-8000-000000000000' },
      { shopId: 'bench-shop-1' },
    );
    const body = Buffer.from(JSON.stringify(envelope));
    const properties = envelopeProperties(envelope);
    let completed = 0;
    let inFlight = 0;
    const deadline = Date.now() + durationMs;
    const started = process.hrtime.bigint();
    let consumerTag = '';
    await new Promise<void>((resolve, reject) => {
      const publishOne = () => {
        inFlight++;
        publishChannel.publish(topology.exchange, 'order.payment-tag.changed', body, properties, (err) => {
          if (err) reject(new Error(`B1: publish nacked: ${String(err)}`));
        });
      };
      consumeChannel
        .consume(consumer.queue, (msg) => {
          if (!msg) return;
          consumeChannel.ack(msg);
          completed++;
          inFlight--;
          if (Date.now() < deadline) publishOne();
          else if (inFlight === 0) resolve();
        })
        .then((ok) => {
          consumerTag = ok.consumerTag;
          for (let i = 0; i < window; i++) publishOne();
        }, reject);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await consumeChannel.cancel(consumerTag);
    await publishChannel.deleteQueue(consumer.queue);
    await publishChannel.deleteExchange(topology.exchange);
    return completed / seconds;
  } finally {
    await connection.close();
  }
}
