import type { RabbitMqContext } from '@rcp/messaging';

/** A delivery's context as the transport hands it to a handler (unit tests): the AMQP message with its publisher's app-id. */
export const deliveredBy = (appId: string | undefined): Pick<RabbitMqContext, 'getMessage'> =>
  ({ getMessage: () => ({ properties: { appId } }) }) as unknown as Pick<RabbitMqContext, 'getMessage'>;
