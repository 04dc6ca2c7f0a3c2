/** The service's name: its logs, metrics and traces, and the AMQP `app-id` of every message it publishes. */
export const ORDER_SERVICE = 'order-service';
