import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { describeSkipped } from '../support/describe-skipped';
import { TestDesk } from './support/test-desk';

/** Debian's chromium; .ci/run installs it (and says so when it cannot). */
const CHROMIUM = '/usr/bin/chromium';
/**
 * A host name that is not loopback to the browser, resolved to this machine's loopback address by the browser
 * itself (as an /etc/hosts alias would, without editing the machine's files). Chromium treats only localhost and
 * loopback literals as trustworthy origins; on any other name `upgrade-insecure-requests` sends the page's assets to
 * https, which is how /docs went blank on http://<host>/docs.
 */
const HOST = 'desk-docs.test';

const cspOf = (headers: Record<string, unknown>) => String(headers['content-security-policy'] ?? '');

describe('the content security policy asks for upgrades over HTTPS only', () => {
  let plain: TestDesk;
  let behindProxy: TestDesk;

  beforeAll(async () => {
    plain = await TestDesk.start();
    // Specs call in from loopback: that is where the trusted proxy is.
    behindProxy = await TestDesk.start({ env: { TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => {
    await plain.stop();
    await behindProxy.stop();
  });

  it('sends no upgrade-insecure-requests over plain HTTP, and keeps the rest of the policy', async () => {
    const docs = await plain.call('GET', '/docs', { as: null });
    expect(docs.status).toBe(200);
    expect(cspOf(docs.headers)).toContain("default-src 'self'");
    expect(cspOf(docs.headers)).not.toContain('upgrade-insecure-requests');
    expect(cspOf((await plain.call('GET', '/openapi.json', { as: null })).headers)).not.toContain('upgrade-insecure-requests');
  });

  it('sends it when a trusted proxy says the desk is served over HTTPS', async () => {
    const docs = await behindProxy.call('GET', '/docs', { as: null, headers: { 'x-forwarded-proto': 'https' } });
    expect(cspOf(docs.headers)).toContain('upgrade-insecure-requests');
    expect(cspOf(docs.headers)).toContain("default-src 'self'");
    const overHttp = await behindProxy.call('GET', '/docs', { as: null, headers: { 'x-forwarded-proto': 'http' } });
    expect(cspOf(overHttp.headers)).not.toContain('upgrade-insecure-requests');
  });

  it('believes no X-Forwarded-Proto from a client that is not a trusted proxy', async () => {
    const docs = await plain.call('GET', '/docs', { as: null, headers: { 'x-forwarded-proto': 'https' } });
    expect(cspOf(docs.headers)).not.toContain('upgrade-insecure-requests');
  });
});

if (existsSync(CHROMIUM)) {
  describe(`/docs in headless Chromium on http://${HOST}`, () => {
    let desk: TestDesk;
    let browser: Browser;
    let port: number;

    beforeAll(async () => {
      desk = await TestDesk.start();
      await desk.app.listen(0, '127.0.0.1');
      port = (desk.app.getHttpServer().address() as AddressInfo).port;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          `--host-resolver-rules=MAP ${HOST} 127.0.0.1`,
        ],
      });
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await desk?.stop();
    });

    it('shows the operations, every asset loaded over plain HTTP', async () => {
      const page = await browser.newPage();
      const requested: string[] = [];
      const failed: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText}`));
      const answer = await page.goto(`http://${HOST}:${port}/docs`, { waitUntil: 'load' });
      expect(answer?.status()).toBe(200);
      await page.locator('.opblock').first().waitFor({ timeout: 20_000 });
      const paths = await page.locator('.opblock-summary-path').allTextContents();
      const operations = paths.map((path) => path.replace(/\u200b/g, '').trim());
      expect(operations).toEqual(expect.arrayContaining(['/requests', '/requests/{id}', '/requests/{id}/history', '/queues/{departmentId}']));
      expect(failed).toEqual([]);
      expect(requested.filter((url) => !url.startsWith(`http://${HOST}:${port}/`) && !url.startsWith('data:'))).toEqual([]);
      await page.close();
    }, 60_000);
  });
} else {
  describeSkipped(`/docs in headless Chromium on http://${HOST}`, `${CHROMIUM} is not installed (.ci/run installs Debian's chromium)`);
}
