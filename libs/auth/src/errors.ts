import { HttpException } from '@nestjs/common';

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 429: 'Too Many Requests' };

/** An HttpException whose body is the house error format `{statusCode, error, message, errors}`. */
export function httpError(status: 401 | 403 | 404 | 429, message: string, errors: { field: string; message: string }[] = []): HttpException {
  return new HttpException({ statusCode: status, error: REASONS[status], message, errors }, status);
}
