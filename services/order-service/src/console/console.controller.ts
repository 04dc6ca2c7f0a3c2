import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'express';
import { Public } from '@rcp/auth';

/** Folder of the console's static files (`services/order-service/console`, copied verbatim to dist by swc). */
export const CONSOLE_DIR = join(__dirname, '..', '..', 'console');

/**
 * Served name → file and content type. The script is stored as `console.js.txt` so the build (swc) copies it
 * unchanged instead of compiling it to CommonJS; it is served as JavaScript.
 */
export const CONSOLE_FILES: Record<string, { file: string; type: string }> = {
  'index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  'console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  'console.js': { file: 'console.js.txt', type: 'text/javascript; charset=utf-8' },
};

/**
 * The operator console: a static page (no API key needed to load it; every API call it makes sends the key the
 * operator enters). Only the files above are served — no directory listing, no path traversal.
 */
@Public()
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly cache = new Map<string, Buffer>();

  private send(res: Response, name: string): void {
    const entry = Object.hasOwn(CONSOLE_FILES, name) ? CONSOLE_FILES[name] : undefined;
    if (!entry) throw new NotFoundException(`no console file ${name}`);
    let body = this.cache.get(name);
    if (!body) {
      try {
        body = readFileSync(join(CONSOLE_DIR, entry.file));
      } catch {
        throw new NotFoundException(`console file ${entry.file} is missing from ${CONSOLE_DIR} (was the build run with --copy-files?)`);
      }
      this.cache.set(name, body);
    }
    res.setHeader('content-type', entry.type);
    res.setHeader('cache-control', 'no-cache');
    res.send(body);
  }

  @Get()
  index(@Res() res: Response): void {
    this.send(res, 'index.html');
  }

  @Get(':file')
  file(@Param('file') file: string, @Res() res: Response): void {
    this.send(res, file);
  }
}
