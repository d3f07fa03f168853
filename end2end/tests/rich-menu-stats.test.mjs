// The statistics page of a rich menu (issue 17, §4) as staff first meet it, in a real browser
// against the real server and its built-in LINE sandbox: before a publish it says what to do;
// after one it shows the published version, its figures (LINE's summary arrives with the
// daily fetch) and the areas on the menu's image. Screenshots at 1366 px:
// test-results/rich-menu-stats-*.png; axe-core finds no violation.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let browser;
let page;
const pageErrors = [];
let statsPath;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(pathname) {
  await page.goto(`${server.baseUrl}${pathname}`);
  await hydrated(page);
}

async function axe() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('before a publish the statistics page says how to get figures', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/rich-menus/new');
  await page.getByRole('button', { name: /くらしの6分割/ }).click();
  await page.getByLabel('メニュー名（職員用）').fill('くらしのメニュー');
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  await page.getByTestId('menu-stats-link').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\/stats/);
  await hydrated(page);
  statsPath = new URL(page.url()).pathname;
  await page.getByTestId('stats-empty').waitFor();
  await page.screenshot({ path: `${shots}rich-menu-stats-empty.png`, fullPage: true });
  assert.deepEqual(await axe(), []);
});

test('after a publish it shows the published version and its areas on the image', async () => {
  await open(statsPath.replace(/\/stats$/, ''));
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 2500;
    canvas.height = 1686;
    const g = canvas.getContext('2d');
    g.fillStyle = '#2f6f4f';
    g.fillRect(0, 0, 2500, 1686);
    return canvas.toDataURL('image/png');
  });
  await page.getByLabel('画像ファイル（JPEG・PNG）').setInputFiles({ name: 'menu.png', mimeType: 'image/png', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') });
  await page.getByTestId('menu-image').getByRole('button', { name: 'アップロード' }).click();
  await page.getByTestId('menu-image-fitted').waitFor();
  await page.getByTestId('publish-menu').click();
  const end = Date.now() + 30_000;
  while ((await page.getByTestId('menu-publications').locator('tr[data-state="live"]').count()) !== 1) {
    assert.ok(Date.now() < end, 'the publish goes live');
    await new Promise((r) => setTimeout(r, 250));
  }
  await open(statsPath);
  await page.getByTestId('menu-figures').waitFor();
  await page.getByRole('heading', { name: 'エリアごとのタップ' }).waitFor();
  await page.screenshot({ path: `${shots}rich-menu-stats-published.png`, fullPage: true });
  assert.deepEqual(await axe(), []);
  assert.deepEqual(pageErrors, []);
});
