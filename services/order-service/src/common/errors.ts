import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { Response } from 'express';

/** One field-level problem in an error response. */
export interface FieldError {
  field: string;
  message: string;
}

/** The only error body this service returns. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errors: FieldError[];
  /** Extra machine-readable facts of the error (e.g. the orders blocking a cutover). */
  details?: Record<string, unknown>;
}

/** A 400 carrying field errors in the service's error format. */
export class FieldValidationException extends BadRequestException {
  constructor(readonly fieldErrors: FieldError[], message = 'Validation failed') {
    super({ message, errors: fieldErrors });
  }
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

/** ValidationPipe configured for the whole API: whitelist, unknown fields rejected, types transformed. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => new FieldValidationException(flattenValidationErrors(errors)),
  });
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** Maps every error (Nest, body-parser, unexpected) to {@link ErrorBody}. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    res.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      let message = exception.message;
      let errors: FieldError[] = [];
      if (typeof response === 'object' && response !== null) {
        const r = response as { message?: unknown; errors?: FieldError[] };
        if (Array.isArray(r.message)) {
          errors = r.message.map((m) => ({ field: '', message: String(m) }));
          message = 'Validation failed';
        } else if (typeof r.message === 'string') {
          message = r.message;
        }
        if (Array.isArray(r.errors)) errors = r.errors;
        const details = (response as { details?: unknown }).details;
        if (details && typeof details === 'object') {
          return { statusCode: status, error: REASONS[status] ?? HttpStatus[status] ?? 'Error', message, errors, details: details as Record<string, unknown> };
        }
      }
      // Nest turns body-parser's SyntaxError into a bare BadRequestException: name the body.
      if (status === 400 && errors.length === 0) {
        if (/JSON/i.test(message)) message = `request body is not valid JSON: ${message}`;
        errors = [{ field: 'body', message }];
      }
      return { statusCode: status, error: REASONS[status] ?? HttpStatus[status] ?? 'Error', message, errors };
    }
    const bodyParser = exception as { type?: string; status?: number; limit?: number; message?: string };
    if (bodyParser && typeof bodyParser.status === 'number' && typeof bodyParser.type === 'string') {
      if (bodyParser.type === 'entity.too.large') {
        return {
          statusCode: 413,
          error: REASONS[413],
          message: `request body is larger than the limit of ${bodyParser.limit} bytes`,
          errors: [{ field: 'body', message: `at most ${bodyParser.limit} bytes` }],
        };
      }
      if (bodyParser.type === 'entity.parse.failed') {
        return { statusCode: 400, error: REASONS[400], message: 'request body is not valid JSON', errors: [{ field: 'body', message: 'must be valid JSON' }] };
      }
      return { statusCode: bodyParser.status, error: REASONS[bodyParser.status] ?? 'Error', message: bodyParser.message ?? 'bad request body', errors: [] };
    }
    return { statusCode: 500, error: REASONS[500], message: 'internal error', errors: [] };
  }
}
