import { BadRequestException, Injectable, type NestMiddleware, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

export const ADMIN_BODY_LIMIT = 10 * 1024 * 1024;

/** JSON bodies for the admin API only (the SOAP endpoint reads its raw body itself). */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  use(req: Request, _res: Response, next: NextFunction): void {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
      req.body = undefined;
      return next();
    }
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > ADMIN_BODY_LIMIT) return next(new PayloadTooLargeException(`The admin API accepts at most ${ADMIN_BODY_LIMIT} bytes`));
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > ADMIN_BODY_LIMIT && !failed) {
        failed = true;
        req.pause();
        next(new PayloadTooLargeException(`The admin API accepts at most ${ADMIN_BODY_LIMIT} bytes`));
      } else chunks.push(chunk);
    });
    req.once('error', (err) => {
      if (!failed) {
        failed = true;
        next(err);
      }
    });
    req.once('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        req.body = undefined;
        return next();
      }
      if (type && type !== 'application/json') return next(new UnsupportedMediaTypeException('The admin API takes application/json'));
      try {
        req.body = JSON.parse(text);
        next();
      } catch (err) {
        next(new BadRequestException(`Invalid JSON body: ${(err as Error).message}`));
      }
    });
  }
}
