import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the message being handled; for logs and for events the handler publishes. */
export interface MessageContext {
  messageId: string;
  correlationId: string;
  causationId: string | null;
  type: string;
  shopId: string;
  /** 1-based handler attempt. */
  attempt: number;
}

/** @internal Per-message store; `handlerError` records the original error before Nest's filters replace it. */
export interface MessageScope {
  context: MessageContext;
  handlerError?: { error: unknown };
}

/** @internal */
export const messageScopeStorage = new AsyncLocalStorage<MessageScope>();

/**
 * The context of the message whose handler is running (async-local), or undefined outside a handler.
 * Use it to enrich logs and as `causedBy`-style metadata for outgoing events.
 */
export function currentMessageContext(): MessageContext | undefined {
  const scope = messageScopeStorage.getStore();
  return scope ? { ...scope.context } : undefined;
}
