import type { Driver, EntityMetadata, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/** An insert of another module written as one more CTE of the plan's last statement (the outbox's, see @rcp/messaging). */
export interface ForeignInsert {
  readonly parameters: number;
  /** The INSERT, values bound through `param`; with `onlyIf` (a CTE name) only when that CTE returns a row. */
  sql(param: (value: unknown) => string, onlyIf?: string): string;
}

/** PostgreSQL's limit of bind parameters in one statement (the protocol counts them in 16 bits). */
export const PG_MAX_PARAMETERS = 65535;

/** An entity and the metadata describing its table. */
export interface EntityWrite {
  metadata: EntityMetadata;
  entity: ObjectLiteral;
}

/** What one transaction writes, turned into as few statements as the parameter limit allows (usually one). */
export interface WritePlan {
  /**
   * A new entity, inserted with `ON CONFLICT DO NOTHING`: when it conflicts with a unique index, nothing of the
   * plan is written. Its columns left `undefined` take the database default and are read back.
   */
  insert?: EntityWrite;
  /** Existing entities: the given columns are written, plus the update-date column (and version column, if any). */
  updates?: (EntityWrite & { columns: ColumnMetadata[] })[];
  /** Rows to insert, per table, in this order; `undefined` values take the column default. */
  rows?: { metadata: EntityMetadata; rows: ObjectLiteral[] }[];
  /** Written last, in the same statement as the plan's last changes (with the insert's guard, if any). */
  foreign?: ForeignInsert;
}

/** One statement of a write plan. */
export interface WriteStatement {
  sql: string;
  parameters: unknown[];
  /** Entities the result rows belong to (matched by primary key); the rows carry {@link WriteStatement.returning}. */
  entities: EntityWrite[];
  returning: ColumnMetadata[];
  /** Holds the plan's insert: no result row means the entity already existed and nothing was written. */
  conditional: boolean;
}

type Unit =
  | { kind: 'insert'; write: EntityWrite; columns: ColumnMetadata[]; returning: ColumnMetadata[]; parameters: number }
  | { kind: 'update'; write: EntityWrite; columns: ColumnMetadata[]; returning: ColumnMetadata[]; parameters: number }
  | { kind: 'row'; metadata: EntityMetadata; row: ObjectLiteral; parameters: number }
  | { kind: 'foreign'; insert: ForeignInsert; parameters: number };

/** The columns an entity stores in its table (virtual ones aside). */
export const persisted = (metadata: EntityMetadata) => metadata.columns.filter((c) => !c.isVirtual && !c.isVirtualProperty);

/** The entity's table, quoted for SQL (schema-qualified when it has a schema). */
export const quotedTable = (driver: Driver, metadata: EntityMetadata) =>
  metadata.tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');

/** An entity from the columns `<alias>_<column>` of a raw row, each value hydrated as TypeORM's own reads do. */
export function hydrate(driver: Driver, metadata: EntityMetadata, row: ObjectLiteral, alias: string): ObjectLiteral {
  const entity = metadata.create() as ObjectLiteral;
  for (const c of persisted(metadata)) c.setEntityValue(entity, driver.prepareHydratedValue(row[`${alias}_${c.databaseName}`], c));
  return entity;
}
const unique = <T>(items: T[]) => [...new Set(items)];

/**
 * Builds the statements of a write plan: every change of the plan in one statement of data-modifying CTEs
 * (`WITH o0 AS (UPDATE …), r0 AS (INSERT INTO … VALUES …) SELECT … FROM o0`), split into several only where
 * the parameters would exceed `maxParameters`. Column names, value conversion (JSON, transformers) and parameter
 * numbering come from the TypeORM metadata and driver, so the SQL follows the entities.
 *
 * The CTEs see one snapshot and run whether or not they are referenced; an entity must therefore appear at most
 * once per plan. Statements run in order; rows keep their order within a table. A plan holds either an insert or
 * updates of one entity type (their result rows must have one shape).
 */
export function buildWriteStatements(driver: Driver, plan: WritePlan, maxParameters = PG_MAX_PARAMETERS): WriteStatement[] {
  const updates = plan.updates ?? [];
  if (plan.insert && updates.length > 0) throw new Error('a write plan holds either an insert or updates');
  if (new Set(updates.map((u) => u.metadata)).size > 1) throw new Error('a write plan updates entities of one type');
  const units: Unit[] = [];
  if (plan.insert) {
    const { metadata, entity } = plan.insert;
    const columns = persisted(metadata).filter((c) => c.getEntityValue(entity) !== undefined);
    const returning = unique([...metadata.primaryColumns, ...persisted(metadata).filter((c) => !columns.includes(c))]);
    units.push({ kind: 'insert', write: plan.insert, columns, returning, parameters: columns.length });
  }
  for (const u of updates) {
    const m = u.metadata;
    const columns = u.columns.filter((c) => c !== m.updateDateColumn && c !== m.versionColumn);
    const returning = unique([...m.primaryColumns, ...[m.updateDateColumn, m.versionColumn].filter((c): c is ColumnMetadata => !!c)]);
    units.push({ kind: 'update', write: u, columns, returning, parameters: columns.length + m.primaryColumns.length });
  }
  for (const group of plan.rows ?? []) {
    for (const row of group.rows) {
      const parameters = persisted(group.metadata).filter((c) => c.getEntityValue(row) !== undefined).length;
      units.push({ kind: 'row', metadata: group.metadata, row, parameters });
    }
  }
  if (plan.foreign) units.push({ kind: 'foreign', insert: plan.foreign, parameters: plan.foreign.parameters });
  const statements: WriteStatement[] = [];
  let current: Unit[] = [];
  let count = 0;
  for (const unit of units) {
    if (current.length > 0 && count + unit.parameters > maxParameters) {
      statements.push(render(driver, current));
      current = [];
      count = 0;
    }
    current.push(unit);
    count += unit.parameters;
  }
  if (current.length > 0) statements.push(render(driver, current));
  return statements;
}

/** Puts the RETURNING values of a statement's result rows into its entities (hydrated as TypeORM would). */
export function applyReturning(driver: Driver, statement: WriteStatement, rows: ObjectLiteral[]): void {
  const key = (metadata: EntityMetadata, value: (c: ColumnMetadata) => unknown) => metadata.primaryColumns.map((c) => String(value(c))).join('\u0000');
  const byKey = new Map(statement.entities.map((w) => [key(w.metadata, (c) => c.getEntityValue(w.entity)), w.entity]));
  const metadata = statement.entities[0]?.metadata;
  if (!metadata) return;
  for (const row of rows) {
    const entity = byKey.get(key(metadata, (c) => row[c.databaseName]));
    if (!entity) continue;
    for (const c of statement.returning) c.setEntityValue(entity, driver.prepareHydratedValue(row[c.databaseName], c));
  }
}

function render(driver: Driver, units: Unit[]): WriteStatement {
  const parameters: unknown[] = [];
  const param = (value: unknown, column: ColumnMetadata) => {
    parameters.push(driver.preparePersistentValue(value, column));
    return `$${parameters.length}`;
  };
  const q = (name: string) => driver.escape(name);
  const table = (metadata: EntityMetadata) => quotedTable(driver, metadata);
  const ctes: { name: string; sql: string }[] = [];
  const entities: EntityWrite[] = [];
  let returning: ColumnMetadata[] = [];
  let guard: string | null = null;

  for (let i = 0; i < units.length; i++) {
    const unit = units[i]!;
    if (unit.kind === 'insert') {
      const { metadata, entity } = unit.write;
      const name = `o${entities.length}`;
      const values = unit.columns.map((c) => param(c.getEntityValue(entity), c));
      ctes.push({
        name,
        sql:
          `INSERT INTO ${table(metadata)} (${unit.columns.map((c) => q(c.databaseName)).join(', ')}) VALUES (${values.join(', ')}) ` +
          `ON CONFLICT DO NOTHING RETURNING ${unit.returning.map((c) => q(c.databaseName)).join(', ')}`,
      });
      entities.push(unit.write);
      returning = unit.returning;
      guard = name;
    } else if (unit.kind === 'update') {
      const { metadata, entity } = unit.write;
      const name = `o${entities.length}`;
      const set = unit.columns.map((c) => `${q(c.databaseName)} = ${param(c.getEntityValue(entity), c)}`);
      if (metadata.updateDateColumn) set.push(`${q(metadata.updateDateColumn.databaseName)} = CURRENT_TIMESTAMP`);
      if (metadata.versionColumn) set.push(`${q(metadata.versionColumn.databaseName)} = ${q(metadata.versionColumn.databaseName)} + 1`);
      const where = metadata.primaryColumns.map((c) => `${q(c.databaseName)} = ${param(c.getEntityValue(entity), c)}`);
      ctes.push({
        name,
        sql: `UPDATE ${table(metadata)} SET ${set.join(', ')} WHERE ${where.join(' AND ')} RETURNING ${unit.returning.map((c) => q(c.databaseName)).join(', ')}`,
      });
      entities.push(unit.write);
      returning = unit.returning;
    } else if (unit.kind === 'foreign') {
      const bind = (value: unknown) => {
        parameters.push(value);
        return `$${parameters.length}`;
      };
      ctes.push({ name: `f${ctes.length}`, sql: unit.insert.sql(bind, guard === null ? undefined : q(guard)) });
    } else {
      // consecutive rows of one table: one multi-row INSERT
      const rows: ObjectLiteral[] = [];
      for (let j = i; j < units.length; j++) {
        const next = units[j]!;
        if (next.kind !== 'row' || next.metadata !== unit.metadata) break;
        rows.push(next.row);
        i = j;
      }
      const columns = persisted(unit.metadata).filter((c) => rows.some((r) => c.getEntityValue(r) !== undefined));
      const names = columns.map((c) => q(c.databaseName)).join(', ');
      let sql: string;
      if (guard === null) {
        const tuples = rows.map((r) => `(${columns.map((c) => (c.getEntityValue(r) === undefined ? 'DEFAULT' : param(c.getEntityValue(r), c))).join(', ')})`);
        sql = `INSERT INTO ${table(unit.metadata)} (${names}) VALUES ${tuples.join(', ')}`;
      } else {
        // Only if the insert happened. A VALUES list in a subquery neither takes DEFAULT nor gets its types from the
        // target columns: typed explicitly, defaults from the metadata.
        const cell = (r: ObjectLiteral, c: ColumnMetadata) => {
          const value = c.getEntityValue(r);
          const sqlValue = value !== undefined ? param(value, c) : c.default !== undefined ? `(${driver.normalizeDefault(c)})` : 'NULL';
          return castable(driver, c) ? `${sqlValue}::${castType(driver, c)}` : sqlValue;
        };
        const tuples = rows.map((r) => `(${columns.map((c) => cell(r, c)).join(', ')})`);
        sql = `INSERT INTO ${table(unit.metadata)} (${names}) SELECT * FROM (VALUES ${tuples.join(', ')}) AS v WHERE EXISTS (SELECT 1 FROM ${q(guard)})`;
      }
      ctes.push({ name: `r${ctes.length}`, sql });
    }
  }

  let main: string;
  if (entities.length > 0) {
    const cols = returning.map((c) => q(c.databaseName)).join(', ');
    main = entities.map((_, k) => `SELECT ${cols} FROM ${q(`o${k}`)}`).join(' UNION ALL ');
  } else {
    main = ctes.pop()!.sql; // rows only: the last INSERT is the main statement
  }
  const sql = ctes.length > 0 ? `WITH ${ctes.map((c) => `${q(c.name)} AS (${c.sql})`).join(', ')} ${main}` : main;
  return { sql, parameters, entities, returning, conditional: guard !== null };
}

/** Enum types are named per table; their values are left for PostgreSQL to resolve. */
function castable(driver: Driver, column: ColumnMetadata): boolean {
  const type = driver.normalizeType(column);
  return type !== '' && type !== 'enum' && type !== 'simple-enum';
}

/** The column's type without length (a cast to `varchar(n)` would truncate silently instead of failing). */
function castType(driver: Driver, column: ColumnMetadata): string {
  return `${driver.normalizeType(column)}${column.isArray ? '[]' : ''}`;
}
