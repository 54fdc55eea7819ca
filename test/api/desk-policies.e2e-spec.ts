import { seedOrganisation } from './support/org';
import { TestDesk, agent, manager, requester } from './support/test-desk';

/** The desk owner's rules (REQUESTER_PRIORITY, COMPENSATION_MAX_PER_OFFER) as the portal and the console meet them. */
describe("the desk owner's policies, over HTTP (embedded store)", () => {
  describe('by default', () => {
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start();
      await seedOrganisation(desk);
    });
    afterAll(() => desk.stop());

    it('lets a requester say how urgent a request is, and refuses one who names its priority or impact, recording nothing', async () => {
      const before = await desk.eventCount();
      for (const choice of [{ priority: 'critical' }, { impact: 'high', urgency: 'high' }]) {
        const answer = await desk.call('POST', '/requests', {
          as: requester('anna'),
          body: { requesterId: 'anna', departmentId: 'it', subject: 'Printer', ...choice },
        });
        expect(answer.status).toBe(403);
        expect(answer.body.detail).toBe(
          'a requester may not set the priority or the impact of a request on this desk: give its urgency (low, medium or high), and the desk judges its impact',
        );
      }
      expect(await desk.eventCount()).toBe(before);

      const opened = await desk.expect(201, 'POST', '/requests', {
        as: requester('anna'),
        body: { id: 'urgent-printer', requesterId: 'anna', departmentId: 'it', subject: 'Printer', urgency: 'high' },
      });
      const request = await desk.expect(200, 'GET', `/requests/${opened.id}`, { as: agent() });
      expect(request).toMatchObject({ priority: 'high', impact: null, urgency: 'high' });

      const missing = await desk.call('POST', '/requests', {
        as: requester('anna'),
        body: { requesterId: 'anna', departmentId: 'it', subject: 'Printer' },
      });
      expect(missing.status).toBe(400);
      expect(missing.body.errors).toEqual([
        { field: 'priority', message: 'is required (or give urgency, and impact when known, to derive it)' },
      ]);
    });

    it('lets staff set the priority, or give the urgency alone and judge the impact later', async () => {
      await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id: 'critical', requesterId: 'anna', departmentId: 'it', subject: 'Servers down', priority: 'critical' },
      });
      await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id: 'low', requesterId: 'anna', departmentId: 'it', subject: 'Mouse', urgency: 'low' },
      });
      expect(await desk.expect(200, 'GET', '/requests/low', { as: agent() })).toMatchObject({ priority: 'low', impact: null });
    });

    it('offers at most 1,000 in one compensation, in any currency, and records nothing beyond it', async () => {
      await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id: 'booking', requesterId: 'bob', departmentId: 'front-desk', subject: 'Booking', priority: 'high' },
      });
      const before = await desk.eventCount();
      const tooMuch = await desk.call('POST', '/requests/booking/compensation', {
        as: manager,
        body: { kind: 'credit', amount: 1000.5, currency: 'EUR' },
      });
      expect(tooMuch.status).toBe(409);
      expect(tooMuch.body.detail).toBe('cannot offer 1000.5 EUR on request booking: one offer may carry at most 1000 EUR on this desk');
      expect(await desk.eventCount()).toBe(before);
      await desk.expect(200, 'POST', '/requests/booking/compensation', {
        as: agent(),
        body: { kind: 'credit', amount: 1000, currency: 'EUR' },
      });
    });
  });

  describe('as the owner sets them', () => {
    let desk: TestDesk;
    beforeAll(async () => {
      desk = await TestDesk.start({ env: { REQUESTER_PRIORITY: 'any', COMPENSATION_MAX_PER_OFFER: 'EUR:50,GBP:40' } });
      await seedOrganisation(desk);
    });
    afterAll(() => desk.stop());

    it('lets requesters choose the priority (REQUESTER_PRIORITY=any)', async () => {
      await desk.expect(201, 'POST', '/requests', {
        as: requester('anna'),
        body: { id: 'mine', requesterId: 'anna', departmentId: 'it', subject: 'Phones', impact: 'high', urgency: 'high' },
      });
      expect(await desk.expect(200, 'GET', '/requests/mine', { as: agent() })).toMatchObject({ priority: 'critical', impact: 'high' });
    });

    it('holds compensation to its amounts by currency, and to its currencies', async () => {
      await desk.expect(201, 'POST', '/requests', {
        as: agent(),
        body: { id: 'booking', requesterId: 'bob', departmentId: 'front-desk', subject: 'Booking', priority: 'high' },
      });
      const offer = (amount: number, currency: string) =>
        desk.call('POST', '/requests/booking/compensation', { as: agent(), body: { kind: 'credit', amount, currency } });
      expect((await offer(50, 'EUR')).status).toBe(200);
      expect((await offer(40.01, 'GBP')).body.detail).toMatch(/at most 40 GBP on this desk$/);
      const usd = await offer(1, 'USD');
      expect(usd.status).toBe(409);
      expect(usd.body.detail).toBe('cannot offer compensation in USD on request booking: this desk offers compensation in EUR, GBP only');
    });
  });
});
