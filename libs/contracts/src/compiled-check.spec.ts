import { randomUUID } from 'node:crypto';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, IsInt, IsOptional, IsString, validateSync } from 'class-validator';
import { EVENT_CATALOGUE } from './catalogue';
import { compiledCheck, ValidatedClass } from './compiled-check';
import { EnvelopeShape } from './envelope';

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true } as const;
const classValidatorAccepts = (cls: ValidatedClass, plain: object) =>
  validateSync(plainToInstance(cls as new () => object, plain), OPTIONS).length === 0;
const propertyErrors = (cls: ValidatedClass, plain: object, property: string) =>
  validateSync(plainToInstance(cls as new () => object, plain), OPTIONS).filter((e) => e.property === property);

const OMIT = Symbol('omit');
/** Values of every shape the contracts' fields take, and near misses of them. */
const POOL: unknown[] = [
  OMIT, null, '', 'abc', 'x'.repeat(129), 'x'.repeat(201), ' leading', 'オーソリ済', randomUUID(), 'not-a-uuid',
  '338459-20180531-00000703', '338459-2018053-00000703', '2026-11-29T10:00:00.000Z', '2026-11-29', '2026-02-30T10:00:00Z',
  'bench-shop-1', '*', '../etc', 'AuthRequested', 'authorize', 0, 1, 2, -1, 1.5, 99_999_999, 100_000_000, true, false, [],
  [randomUUID()], ['338459-20180531-00000703'], ['bench-shop-1'], ['*', 'x!'], ['x'], Array(1001).fill('338459-20180531-00000703'),
  {}, { nested: 1 }, 'v1.transport-1.AAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBB.c2VhbGVk', 'q'.repeat(43), 'q'.repeat(44),
];

/** The values a field's `@IsIn` allows, tried before the pool. */
function allowedValues(cls: ValidatedClass, property: string): unknown[] {
  return getMetadataStorage()
    .getTargetValidationMetadatas(cls, undefined as unknown as string, false, false, undefined)
    .filter((m) => m.propertyName === property && m.name === 'isIn')
    .flatMap((m) => m.constraints[0] as unknown[]);
}

const properties = (cls: ValidatedClass) => [
  ...new Set(getMetadataStorage().getTargetValidationMetadatas(cls, undefined as unknown as string, false, false, undefined).map((m) => m.propertyName)),
];

const withValue = (base: Record<string, unknown>, property: string, value: unknown) => {
  const copy = { ...base };
  if (value === OMIT) delete copy[property];
  else copy[property] = value;
  return copy;
};

/** A plain object class-validator accepts, built field by field from the pool. */
function validSample(cls: ValidatedClass): Record<string, unknown> {
  const sample: Record<string, unknown> = {};
  for (const property of properties(cls)) {
    const candidates = [...allowedValues(cls, property), ...POOL];
    const fits = candidates.find((value) => propertyErrors(cls, withValue(sample, property, value), property).length === 0);
    if (fits === undefined) throw new Error(`no pool value fits ${cls.name}.${property}: extend POOL`);
    Object.assign(sample, withValue(sample, property, fits));
    if (fits === OMIT) delete sample[property];
  }
  return sample;
}

const classes: [string, ValidatedClass][] = [['EnvelopeShape', EnvelopeShape], ...EVENT_CATALOGUE.map((c) => [`${c.type} v${c.version}`, c.payload] as [string, ValidatedClass])];

describe('compiledCheck agrees with class-validator', () => {
  it.each(classes)('%s: a valid sample and every one-field change of it (each pool value, removal, an extra field)', (_name, cls) => {
    const check = compiledCheck(cls);
    expect(check).not.toBeNull();
    const base = validSample(cls);
    expect(classValidatorAccepts(cls, base)).toBe(true);
    expect(check!(base)).toBe(true);
    let accepted = 0;
    let rejected = 0;
    for (const property of [...properties(cls), 'surprise']) {
      for (const value of [...allowedValues(cls, property), ...POOL]) {
        const plain = withValue(base, property, value);
        const expected = classValidatorAccepts(cls, plain);
        expect({ property, value, fast: check!(plain) }).toEqual({ property, value, fast: expected });
        if (expected) accepted++;
        else rejected++;
      }
    }
    expect(accepted).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe('compiledCheck', () => {
  class WithDefault {
    @IsInt() count = 1;
  }
  class Undecorated {
    @IsString() name!: string;
    note?: string = 'x';
  }
  class Optional {
    @IsOptional() @IsString() note?: string;
  }

  it('does not compile a class whose instances start with values class-validator would see (it stays the judge)', () => {
    expect(compiledCheck(WithDefault)).toBeNull();
    expect(compiledCheck(Undecorated)).toBeNull();
  });

  it('skips an optional field that is null or missing, checks it when present, and refuses unknown fields', () => {
    const check = compiledCheck(Optional)!;
    expect(check({})).toBe(true);
    expect(check({ note: null })).toBe(true);
    expect(check({ note: 'x' })).toBe(true);
    expect(check({ note: 1 })).toBe(false);
    expect(check({ other: 'x' })).toBe(false);
  });

  it('does not compile a class without validation metadata (class-validator refuses unknown values)', () => {
    class Plain {}
    expect(compiledCheck(Plain)).toBeNull();
  });
});
