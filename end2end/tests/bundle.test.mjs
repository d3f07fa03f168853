// The WASM bundle as `make test` builds it, the same way as `make release` (wasm-release profile,
// wasm-opt, split into chunks): it must start without a single error, hydrate, and fetch an area's
// code only when that area is first visited. A wasm-opt that corrupts the bundle (Debian's
// binaryen 108 did: nothing hydrated) fails here, as does a page whose chunk is missing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN, hydrated, launchBrowser, startServer } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the bundle starts without errors and loads the messages area (定型文) only when it is visited', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'ja-JP' });
  const page = await context.newPage();
  const errors = [];
  const fetched = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`page error: ${err}`));
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (!url.pathname.startsWith('/pkg/')) return;
    fetched.push(url.pathname.slice('/pkg/'.length));
    if (!res.ok() && res.status() !== 304) errors.push(`${res.status()} for ${url.pathname}`);
  });
  const areaCode = () => fetched.filter((f) => /^(split_|chunk_)/.test(f));
  // A bundle that fails to start never hydrates: say why rather than only "timed out".
  const started = async () => {
    try {
      await hydrated(page);
    } catch (err) {
      throw new Error(`the page did not hydrate: ${errors.join('; ') || err.message}`);
    }
  };

  await page.goto(`${server.baseUrl}/admin/login`);
  await started();
  await page.getByLabel('ユーザー名').fill(ADMIN.username);
  await page.getByLabel('パスワード').fill(ADMIN.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL((url) => url.pathname === '/admin');
  await started();
  await page.getByRole('heading', { name: 'ダッシュボード', level: 1 }).waitFor();
  assert.ok(fetched.some((f) => /\.wasm$/.test(f)), `the bundle was fetched (${fetched.join(', ')})`);
  assert.deepEqual(areaCode(), [], 'sign-in and the dashboard need only the initial bundle');

  // Client-side navigation (no reload) into a lazily loaded area, then its editor.
  await page.evaluate(() => { window.__notReloaded = true; });
  await page.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '定型文' }).click();
  await page.getByRole('heading', { name: '定型文', level: 1 }).waitFor();
  assert.ok(
    areaCode().some((f) => /^split_messages_.*\.wasm$/.test(f)),
    `the messages area's chunk was fetched on the visit; was the bundle built with --split? (${fetched.join(', ')})`,
  );
  await page.getByRole('link', { name: '定型文を作成' }).click();
  await page.getByRole('heading', { name: '定型文の作成', level: 1 }).waitFor();

  // Only a hydrated composer redraws the LINE preview as staff type.
  await page.locator('#f-messages-0-text').fill('本日の防災訓練は予定どおり行います。');
  await page.locator('.composer-preview').getByText('本日の防災訓練は予定どおり行います。').first().waitFor();
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no full page load happened');

  assert.deepEqual(errors, [], 'no console errors, page errors or failed requests');
  await context.close();
});
