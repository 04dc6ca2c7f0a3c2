import { Logger, type LoggerService } from '@nestjs/common';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { captureOriginalHandlerErrors, conciseHandlerError } from './capture-handler-error';
import { messageScopeStorage } from './message-context';

class QueryFailedErrorLike extends Error {
  override readonly name = 'QueryFailedError';
  readonly query = 'INSERT INTO card_request (exchanges) VALUES ($1)';
  readonly parameters = ['<authKey>SECRET-KEY-123</authKey><orderNumber>338459-20180531-00000001</orderNumber>'];
}

describe('handler errors logged by Nest RPC exception filter', () => {
  const lines: string[] = [];
  const capture: LoggerService = {
    log: (m: unknown) => void lines.push(String(m)),
    warn: (m: unknown) => void lines.push(String(m)),
    error: (...args: unknown[]) => void lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
  };

  beforeAll(() => {
    captureOriginalHandlerErrors();
    Logger.overrideLogger(capture);
  });
  afterAll(() => Logger.overrideLogger(new Logger()));

  it('logs one concise line with the message context and without SQL or parameters', async () => {
    const scope = { context: { messageId: 'm-1', correlationId: 'c-1', causationId: null, type: 'AuthRequested', shopId: 's', attempt: 1 } };
    const filter = new BaseRpcExceptionFilter();
    await messageScopeStorage.run(scope, () =>
      expect(lastValueFrom(filter.catch(new QueryFailedErrorLike('duplicate key value violates unique constraint'), {} as never))).rejects.toEqual({
        status: 'error',
        message: 'Internal server error',
      }),
    );
    const text = lines.join('\n');
    expect(text).toContain('AuthRequested m-1 handler failed: QueryFailedError: duplicate key value violates unique constraint');
    expect(text).not.toContain('SECRET-KEY-123');
    expect(text).not.toContain('338459-20180531');
    expect(text).not.toContain('INSERT INTO');
  });

  it('truncates long messages', () => {
    expect(conciseHandlerError(new Error('x'.repeat(1000))).length).toBeLessThan(360);
    expect(conciseHandlerError({ parameters: ['secret'] })).toBe('message handler failed: non-Error value thrown');
  });
});
