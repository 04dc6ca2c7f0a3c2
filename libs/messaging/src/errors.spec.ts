import { BadRequestException, InternalServerErrorException } from '@nestjs/common';
import { ValidationError } from 'class-validator';
import { ContractViolationError } from '@rcp/contracts';
import { HandlerTimeoutError, NonRetryableError, classifyError } from './errors';

describe('classifyError', () => {
  it.each([
    ['NonRetryableError', new NonRetryableError('order is cancelled')],
    ['ContractViolationError', new ContractViolationError('AuthRequested', 'amount must be an integer')],
    ['a class-validator ValidationError', new ValidationError()],
    ['a list of ValidationErrors', [new ValidationError(), new ValidationError()]],
    ['a ValidationPipe BadRequestException', new BadRequestException(['amount must be an integer'])],
  ])('%s is not retryable', (_name, err) => expect(classifyError(err)).toBe('non-retryable'));

  it.each([
    ['an Error', new Error('ECONNRESET')],
    ['a handler timeout', new HandlerTimeoutError(100)],
    ['a 500', new InternalServerErrorException()],
    ['a string', 'oops'],
    ['undefined', undefined],
    ['an empty array', []],
  ])('%s is retryable', (_name, err) => expect(classifyError(err)).toBe('retryable'));
});
