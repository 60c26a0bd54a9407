import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { raiseAlert } from '@flow/shared/alerts/alert-store';
import { createTestTenant, startApiHarness, type ApiHarness, type TestTenant } from '../../api/test/support/api-harness.ts';
import { randomName } from './support/lag-harness.ts';
import { deleteSamples, storeHistory } from './support/sample-fixtures.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = '.stack/test/dashboard.png';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`Skipping the dashboard browser test: ${CHROMIUM} is missing. Install it with "bash deploy/local/install-chromium.sh".`);

describe.skipIf(!hasChromium)('dashboard in Chromium', () => {
  let harness: ApiHarness;
  let tenant: TestTenant;
  let browser: Browser | undefined;
  let baseUrl: string;
  const profile = mkdtempSync(join(tmpdir(), 'flow-dashboard-chromium-'));
  const rising = randomName('flow-dash-rising');
  const steady = randomName('flow-dash-steady');

  beforeAll(async () => {
    harness = await startApiHarness();
    tenant = await createTestTenant(harness);
    await raiseAlert(harness.context.pool, { tenantId: tenant.id, severity: 'warning', source: 'lag-monitor', message: `Dashboard test alert for ${rising}` });
    await harness.app.listen({ host: '127.0.0.1', port: 0 });
    baseUrl = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}`;
    await storeHistory(
      harness.context.pool,
      [
        { groupId: rising, topic: 'dashboard-topic', lagAt: (minutesAgo) => 200 - minutesAgo * 4 },
        { groupId: steady, topic: 'dashboard-topic', lagAt: (minutesAgo) => 40 + (minutesAgo % 5) * 10 },
      ],
      40,
    );
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    }).then((context) => context.browser() ?? undefined);
  });

  afterAll(async () => {
    await browser?.close();
    await deleteSamples(harness.context.pool, [rising, steady]);
    await harness?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('draws live lag after login', async () => {
    const context = browser!.contexts()[0]!;
    const page = await context.newPage();
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(`${baseUrl}/dashboard`);

    await page.fill('#api-key', tenant.apiKey);
    await page.click('button[type=submit]');
    // Page functions are passed as source text: the test runs under Node's types, without the DOM's.
    await page.waitForFunction(
      `(() => {
        const text = document.body.innerText;
        return Number(document.getElementById('lag-chart').dataset.series) >= 2
          && text.includes(${JSON.stringify(rising)}) && text.includes(${JSON.stringify(`Dashboard test alert for ${rising}`)});
      })()`,
      undefined,
      { timeout: 20_000 },
    );
    mkdirSync('.stack/test', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Pixels in the series colours (blue and red lines), not axes, text or background.
    const seriesPixels = await page.evaluate<number>(`(() => {
      const canvas = document.getElementById('lag-chart');
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let index = 0; index < data.length; index += 4) {
        const channels = [data[index], data[index + 1], data[index + 2]];
        if (data[index + 3] > 200 && Math.max(...channels) - Math.min(...channels) > 80) count += 1;
      }
      return count;
    })()`);
    const points = Number(await page.getAttribute('#lag-chart', 'data-points'));
    const keyStored = await page.evaluate<string | null>(`sessionStorage.getItem('flow-api-key')`);
    const tableText = await page.textContent('#lag-table');

    expect(seriesPixels).toBeGreaterThan(500);
    expect(points).toBeGreaterThanOrEqual(82);
    expect(keyStored).toBe(tenant.apiKey);
    expect(tableText).toContain(rising);
    expect(tableText).toContain('WARN');
    expect(await page.isVisible('#login')).toBe(false);
  });
});
