import { BaseRpcContext } from '@nestjs/microservices';
import type { ConsumeMessage } from 'amqplib';
import type { EventEnvelope } from '@rcp/contracts';

type RabbitMqContextArgs = [message: ConsumeMessage, envelope: EventEnvelope, attempt: number, queue: string];

/** Context passed to `@Ctx()` in handlers served by {@link RabbitMqServer}. Acks are done by the transport. */
export class RabbitMqContext extends BaseRpcContext<RabbitMqContextArgs> {
  constructor(args: RabbitMqContextArgs) {
    super(args);
  }

  /** The raw AMQP message (content, fields, properties, headers). */
  getMessage(): ConsumeMessage {
    return this.args[0];
  }

  /** The validated envelope. */
  getEnvelope(): EventEnvelope {
    return this.args[1];
  }

  /** 1-based handler attempt (1 = first delivery, 2 = first retry, …). */
  getAttempt(): number {
    return this.args[2];
  }

  /** The consumer queue the message came from. */
  getQueue(): string {
    return this.args[3];
  }

  /** The envelope's id (= AMQP message_id). */
  getMessageId(): string {
    return this.args[1].id;
  }

  /** The envelope's correlation id. */
  getCorrelationId(): string {
    return this.args[1].correlationId;
  }
}
