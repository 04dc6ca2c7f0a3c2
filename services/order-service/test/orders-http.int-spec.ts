import { Harness, orderBody, startHarness } from './harness';

describe('order-service HTTP API', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h?.close());

  const base = () => `/shops/${h.shopId}/orders`;

  it('creates, lists, shows, edits and deletes orders', async () => {
    const created = await h.http().post(base()).send(orderBody(1)).expect(201);
    expect(created.body).toMatchObject({ orderNumber: '338459-20240531-00000001', status: '未確認', paymentTag: '未オーソリ', billedAmount: 1000 });
    await h.http().post(base()).send(orderBody(2, { billedAmount: 0, pointsUsed: 1000 })).expect(201);
    await h.http().post(base()).send(orderBody(3, { paymentMethod: '代金引換' })).expect(201);
    await h.http().post(base()).send(orderBody(1)).expect(409);

    const all = await h.http().get(base()).expect(200);
    expect(all.body.total).toBe(3);
    const zero = await h.http().get(`${base()}?tag=${encodeURIComponent('オーソリ不要')}`).expect(200);
    expect(zero.body.items.map((o: { orderNumber: string }) => o.orderNumber)).toEqual(['338459-20240531-00000002']);
    const paged = await h.http().get(`${base()}?page=2&pageSize=2`).expect(200);
    expect(paged.body).toMatchObject({ page: 2, pageSize: 2, total: 3 });
    expect(paged.body.items).toHaveLength(1);
    const cross = await h.http().get(`/orders?shopId=${h.shopId}&status=${encodeURIComponent('未確認')}`).expect(200);
    expect(cross.body.total).toBe(3);

    const edited = await h.http().patch(`${base()}/338459-20240531-00000001`).set('x-actor', 'yamada').send({ billedAmount: 0, status: '保留' }).expect(200);
    expect(edited.body).toMatchObject({ billedAmount: 0, paymentTag: 'オーソリ不要', status: '保留' });
    const detail = await h.http().get(`${base()}/338459-20240531-00000001`).expect(200);
    expect(detail.body.paymentTagHistory.map((t: { to: string }) => t.to)).toEqual(['未オーソリ', 'オーソリ不要']);
    expect(detail.body.statusHistory).toEqual([
      expect.objectContaining({ from: null, to: '未確認' }),
      expect.objectContaining({ from: '未確認', to: '保留', actor: `key:${h.adminKeyId}/yamada` }),
    ]);

    await h.http().delete(`${base()}/338459-20240531-00000003`).expect(204);
    await h.http().get(`${base()}/338459-20240531-00000003`).expect(404);
    // Deleted orders can be created (imported) again.
    await h.http().post(base()).send(orderBody(3)).expect(201);

    await h.waitForEvent('OrderReceived', (e) => (e.data as { orderNumber: string }).orderNumber === '338459-20240531-00000001');
    await h.waitForEvent('PaymentTagChanged', (e) => (e.data as { to: string }).to === 'オーソリ不要');
    await h.waitForEvent('OrderStatusChanged', (e) => (e.data as { to: string }).to === '保留');
  });

  it('answers bad input with 400 and field errors, and changes nothing', async () => {
    const count = async () => Number((await h.sql<{ n: string }>('SELECT count(*) AS n FROM orders'))[0].n);
    const before = await count();
    const wrong = await h.http().post(base()).send(orderBody(50, { billedAmount: '1000', orderNumber: 'abc', extra: 1 })).expect(400);
    expect(wrong.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    expect(wrong.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['billedAmount', 'orderNumber', 'extra']));

    const badNumber = await h.http().get(`${base()}/not-an-order`).expect(400);
    expect(badNumber.body.errors).toEqual([expect.objectContaining({ field: 'orderNumber' })]);

    const badJson = await h.http().post(base()).set('content-type', 'application/json').send('{"orderNumber":').expect(400);
    expect(badJson.body.errors[0].field).toBe('body');

    const huge = await h.http().post(base()).send({ ...orderBody(51), paymentMethod: 'x'.repeat(1_100_000) }).expect(413);
    expect(huge.body).toMatchObject({ statusCode: 413, errors: [expect.objectContaining({ field: 'body' })] });

    await h.http().get(`${base()}?pageSize=500`).expect(400);
    const badAction = await h.http().post(`${base()}/actions/explode`).send({ orderNumbers: ['338459-20240531-00000001'] }).expect(400);
    expect(badAction.body.errors[0].field).toBe('action');
    await h.http().post(`${base()}/actions/authorize`).send({ orderNumbers: ['nope'] }).expect(400);
    // Regressions found by the chaos fuzzer: both answered 500.
    const notAList = await h.http().post(`${base()}/actions/authorize`).send({ orderNumbers: 'all' }).expect(400);
    expect(notAList.body.errors.map((e: { field: string }) => e.field)).toContain('orderNumbers');
    const deep = await h.http().post(base()).set('content-type', 'application/json').send('['.repeat(5000) + ']'.repeat(5000)).expect(400);
    expect(deep.body.message).toContain('nested deeper');
    const notJson = await h.http().put(`/shops/${h.shopId}/settings`).set('content-type', 'text/plain').send('autoCapture=true').expect(415);
    expect(notJson.body.errors).toEqual([expect.objectContaining({ field: 'content-type' })]);
    const unknownField = await h.http().post(`/shops/${h.shopId}/connection-check`).send({ force: true }).expect(400);
    expect(unknownField.body.errors).toEqual([expect.objectContaining({ field: 'force' })]);
    await h.http().patch(`${base()}/338459-20240531-00000002`).send({ billedAmount: -5 }).expect(400);
    await h.http().put(`/shops/${h.shopId}/settings`).send({ autoCapture: 'yes' }).expect(400);
    expect(await count()).toBe(before);
  });

  it('serves settings, health and the OpenAPI document', async () => {
    const defaults = await h.http().get(`/shops/${h.shopId}/settings`).expect(200);
    expect(defaults.body).toMatchObject({ authValidityDays: 60, expiryWarningLeadDays: [7, 1], stuckAfterMinutes: 60, captureRequiresShipment: true, autoAuthorize: false });
    const updated = await h.http().put(`/shops/${h.shopId}/settings`).send({ autoProgress: true, expiryWarningLeadDays: [1, 7, 3] }).expect(200);
    expect(updated.body).toMatchObject({ autoProgress: true, expiryWarningLeadDays: [7, 3, 1], authValidityDays: 60 });
    expect((await h.http().get(`/shops/${h.shopId}/settings`)).body.autoProgress).toBe(true);
    await h.http().get('/health/live').expect(200);
    await h.http().get('/health/ready').expect(200);
    const docs = await h.http().get('/docs-json').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/shops/{shopId}/orders/actions/{action}', '/shops/{shopId}/orders/import']));
  });
});
