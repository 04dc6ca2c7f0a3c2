import { getMetadataStorage } from 'class-validator';
import { targetConstructorToSchema } from 'class-validator-jsonschema';
import { EVENT_CATALOGUE } from './catalogue';
import { EventContract } from './contract';

/** Default topic exchange every event is published on. */
export const DEFAULT_EXCHANGE = 'rakuten.payments';

type JsonSchema = Record<string, unknown>;

const ENVELOPE_SCHEMA: JsonSchema = {
  type: 'object',
  required: ['id', 'type', 'version', 'occurredAt', 'correlationId', 'causationId', 'shopId', 'data'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', format: 'uuid', description: 'Message id; consumers de-duplicate on it (AMQP message_id).' },
    type: { type: 'string', description: 'Event type name (AMQP type).' },
    version: { type: 'integer', minimum: 1, description: 'Payload schema version (header x-event-version).' },
    occurredAt: { type: 'string', format: 'date-time', description: 'When it happened, UTC (AMQP timestamp).' },
    correlationId: { type: 'string', description: 'Shared by every event of one flow (AMQP correlation_id).' },
    causationId: { type: ['string', 'null'], description: 'Id of the causing event or request.' },
    shopId: { type: 'string', description: 'Shop the event belongs to (header x-shop-id).' },
    data: { type: 'object', description: 'Payload, see the message schema.' },
  },
};

function payloadSchema(contract: EventContract): JsonSchema {
  const schema = targetConstructorToSchema(contract.payload, { classValidatorMetadataStorage: getMetadataStorage() }) as JsonSchema;
  return { ...schema, additionalProperties: false };
}

function messageName(contract: EventContract): string {
  return `${contract.type}V${contract.version}`;
}

/**
 * Builds the AsyncAPI 3.0 document of every event in {@link EVENT_CATALOGUE}: one channel per routing key on the
 * topic exchange, one message per (type, version) with the envelope and its payload schema.
 * Generated from the contracts, so it cannot drift from the code.
 */
export function buildAsyncApiDocument(exchange = DEFAULT_EXCHANGE): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = { EventEnvelope: ENVELOPE_SCHEMA };
  const operations: Record<string, unknown> = {};
  for (const contract of EVENT_CATALOGUE) {
    const name = messageName(contract);
    schemas[`${name}Payload`] = payloadSchema(contract);
    messages[name] = {
      name: contract.type,
      title: `${contract.type} v${contract.version}`,
      summary: contract.description,
      contentType: 'application/json',
      headers: {
        type: 'object',
        properties: {
          'x-event-version': { type: 'integer', const: contract.version },
          'x-shop-id': { type: 'string' },
          'x-causation-id': { type: 'string' },
        },
      },
      payload: {
        allOf: [
          { $ref: '#/components/schemas/EventEnvelope' },
          {
            type: 'object',
            properties: {
              type: { const: contract.type },
              version: { const: contract.version },
              data: { $ref: `#/components/schemas/${name}Payload` },
            },
          },
        ],
      },
      bindings: { amqp: { messageType: contract.type, deliveryMode: 2, bindingVersion: '0.3.0' } },
      tags: [{ name: contract.category }],
    };
    const channelId = contract.routingKey.replace(/[^A-Za-z0-9]/g, '_');
    channels[channelId] = {
      address: contract.routingKey,
      description: `Routing key ${contract.routingKey} on topic exchange ${exchange}.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      bindings: {
        amqp: { is: 'routingKey', exchange: { name: exchange, type: 'topic', durable: true, autoDelete: false, vhost: '/' }, bindingVersion: '0.3.0' },
      },
    };
    operations[`publish${name}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${channelId}` },
      summary: contract.description,
      messages: [{ $ref: `#/channels/${channelId}/messages/${name}` }],
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Rakuten card payments — events',
      version: '1.0.0',
      description:
        `Every event travels as JSON in an envelope on the durable topic exchange \`${exchange}\`, persistent, with ` +
        'publisher confirms. Routing key = `<aggregate>.<operation>.<outcome>`. A dashboard binds its own queue to `#` ' +
        '(everything) or a pattern such as `payment.*.failed`. This document is generated from libs/contracts ' +
        '(`npm run asyncapi`); a unit test fails when it is stale.',
    },
    defaultContentType: 'application/json',
    servers: {
      local: { host: '127.0.0.1:5672', protocol: 'amqp', description: 'Local RabbitMQ (guest/guest).' },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
