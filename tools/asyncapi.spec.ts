import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { EVENT_CATALOGUE } from '@rcp/contracts';
import { ASYNCAPI_PATH, renderAsyncApi } from './asyncapi';

describe('docs/asyncapi.yaml', () => {
  it('is generated from the current contracts (run `npm run asyncapi` after changing an event)', () => {
    expect(readFileSync(ASYNCAPI_PATH, 'utf8')).toBe(renderAsyncApi());
  });

  it('lists every event with its routing key and a payload schema naming its required fields', () => {
    const doc = parse(readFileSync(ASYNCAPI_PATH, 'utf8'));
    for (const contract of EVENT_CATALOGUE) {
      const name = `${contract.type}V${contract.version}`;
      const channel = Object.values(doc.channels).find((c: any) => c.address === contract.routingKey) as any;
      expect(channel?.messages[name]).toBeDefined();
      const schema = doc.components.schemas[`${name}Payload`];
      expect(schema.type).toBe('object');
      expect(schema.required).toEqual(expect.arrayContaining(['orderNumber'].filter((f) => f in schema.properties)));
    }
    expect(doc.components.schemas.AuthRequestedV1Payload.required).toEqual(expect.arrayContaining(['operationId', 'orderNumber', 'amount', 'payType']));
  });
});
