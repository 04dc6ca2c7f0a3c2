import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { CreateOrder, OrderAlreadyExistsError } from '../orders/usecases/create-order';
import { CsvFileError, CsvHeaderMapping, parseOrderCsv } from './csv-orders';

export const CSV_MAPPING = Symbol('CSV_MAPPING');

export interface ImportRowReport {
  line: number;
  orderNumber?: string;
  outcome: 'imported' | 'rejected';
  reason?: string;
  warnings?: string[];
  paymentTag?: string | null;
}

export interface ImportReport {
  encoding: string;
  imported: number;
  rejected: number;
  rows: ImportRowReport[];
}

/** Imports an order CSV: each good row becomes an order (own transaction); every bad row is reported. */
@Injectable()
export class ImportOrders {
  constructor(
    private readonly dataSource: DataSource,
    private readonly createOrder: CreateOrder,
    @Inject(CSV_MAPPING) private readonly mapping: CsvHeaderMapping,
  ) {}

  async execute(shopId: string, file: Buffer, actor: string): Promise<ImportReport> {
    let parsed;
    try {
      parsed = parseOrderCsv(file, this.mapping);
    } catch (err) {
      if (err instanceof CsvFileError) throw new BadRequestException({ message: err.message, errors: [{ field: 'file', message: err.message }] });
      throw err;
    }
    const correlationId = randomUUID();
    const rows: ImportRowReport[] = parsed.rejected.map((r) => ({ ...r, outcome: 'rejected' as const }));
    for (const row of parsed.rows) {
      try {
        const order = await this.dataSource.transaction((m) => this.createOrder.execute(m, shopId, row.order, 'csv', actor, { correlationId }));
        rows.push({ line: row.line, orderNumber: row.order.orderNumber, outcome: 'imported', paymentTag: order.paymentTag, ...(row.warnings.length ? { warnings: row.warnings } : {}) });
      } catch (err) {
        if (!(err instanceof OrderAlreadyExistsError)) throw err;
        rows.push({ line: row.line, orderNumber: row.order.orderNumber, outcome: 'rejected', reason: `order ${row.order.orderNumber} already exists (delete it first to import it again)` });
      }
    }
    rows.sort((a, b) => a.line - b.line);
    return {
      encoding: parsed.encoding,
      imported: rows.filter((r) => r.outcome === 'imported').length,
      rejected: rows.filter((r) => r.outcome === 'rejected').length,
      rows,
    };
  }
}
