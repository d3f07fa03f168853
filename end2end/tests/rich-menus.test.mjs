// リッチメニュー as a new member of staff tries it (issue 17), in a real browser against the real
// server and its built-in LINE sandbox: the empty list says what to do; a menu starts from the
// 6-area municipal preset (ごみ・防災・手続き・子育て・イベント・お問い合わせ); staff give the
// last area a web page, upload a photo that the server fits to 2500×1686 within LINE's 1 MB,
// and publish it as the channel's default. In 「LINEシミュレーター」 a friend sees the menu and
// each tap does what its label says (a text is sent; the page opens). A second publish replaces
// the first at LINE, and 「この版に戻す」 brings the first back. axe finds no violation on the list
// and the editor. Screenshots at 1366 px: test-results/rich-menus-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const CONTACT = 'https://city.example.jp/contact';
const LABELS = ['ごみ・リサイクル', '防災・安全', '手続き', '子育て', 'イベント', 'お問い合わせ'];

let server;
let browser;
let page;
const pageErrors = [];
let editorPath;
let friend;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
  await page.context().route('https://city.example.jp/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><html lang="ja"><title>お問い合わせ</title><p>市役所へのお問い合わせ</p></html>' }));
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(pathname) {
  await page.goto(`${server.baseUrl}${pathname}`);
  await hydrated(page);
}

async function shot(name) {
  await page.screenshot({ path: `${shots}rich-menus-${name}.png`, fullPage: true });
}

async function axe() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function eventually(check, what, timeout = 30_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > end) assert.fail(`never true: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function simulator(endpoint, fields) {
  return page.evaluate(async ([endpoint, fields]) => {
    const res = await fetch(`/api/simulator/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });
    if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${await res.text()}`);
    return res.json();
  }, [endpoint, fields]);
}

/// A photo-like PNG of 3000×2000 drawn in the browser (the server crops and scales it).
async function photo() {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 3000;
    canvas.height = 2000;
    const g = canvas.getContext('2d');
    const colours = ['#1f6f8b', '#99a8b2', '#e6d5b8', '#f0a500', '#cf7500', '#3a6351'];
    for (let i = 0; i < 6; i++) {
      g.fillStyle = colours[i];
      g.fillRect((i % 3) * 1000, Math.floor(i / 3) * 1000, 1000, 1000);
    }
    // Grain over a third of it, as a photo has: a few MB of PNG.
    const grain = g.getImageData(0, 0, 1500, 1000);
    let seed = 12345;
    for (let i = 0; i < grain.data.length; i += 4) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      grain.data[i] = seed & 0xff;
      grain.data[i + 1] = (seed >> 8) & 0xff;
    }
    g.putImageData(grain, 0, 0);
    return canvas.toDataURL('image/png');
  });
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

test('a department and a simulated friend who follows', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/simulator?ch=main');
  const created = await simulator('create_friend', { channel: 'main', display_name: '市民 花子' });
  await simulator('act', { channel: 'main', user_id: created.user_id, act: 'follow' });
  friend = created.user_id;
});

test('the empty list says how to start, and has no accessibility violations', async () => {
  await open('/admin/rich-menus');
  await page.getByText('リッチメニューはまだありません。').waitFor();
  await page.getByTestId('live-menu').getByText('表示しているリッチメニューはありません').waitFor();
  await shot('empty');
  assert.deepEqual(await axe(), []);
});

test('a menu starts from the 6-area preset; the last area opens the contact page', async () => {
  await page.getByRole('link', { name: 'リッチメニューを作成' }).click();
  await page.waitForURL('**/admin/rich-menus/new');
  await hydrated(page);
  await page.getByRole('button', { name: /くらしの6分割/ }).click();
  await page.getByLabel('メニュー名（職員用）').fill('くらしのメニュー');
  // The areas are listed with what they do.
  const list = page.getByRole('list', { name: 'エリアの一覧' });
  for (const label of LABELS) await list.getByRole('button', { name: new RegExp(label) }).waitFor();
  assert.equal(await list.getByRole('button').count(), 6);
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  editorPath = new URL(page.url()).pathname;

  await page.getByRole('list', { name: 'エリアの一覧' }).getByRole('button', { name: /お問い合わせ/ }).click();
  const fields = page.getByTestId('menu-area-fields');
  await fields.getByLabel('タップしたときの動作').selectOption({ label: 'URL を開く' });
  await fields.getByLabel('開く URL（https:// または tel:）').fill(CONTACT);
  await page.getByRole('list', { name: 'エリアの一覧' }).getByRole('button', { name: new RegExp(`お問い合わせ — URL を開く：${CONTACT}`) }).waitFor();
  // Without an image it cannot be published, and the page says so.
  await page.getByTestId('menu-checks').getByText('画像がありません').waitFor();
  await page.getByTestId('save-menu').click();
  await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
});

test('a photo is fitted to the menu within LINE\'s 1 MB, and the menu is published as the default', async () => {
  const png = await photo();
  assert.ok(png.length > 1_000_000, `a large photo (${png.length} bytes)`);
  await page.getByLabel('画像ファイル（JPEG・PNG）').setInputFiles({ name: 'menu.png', mimeType: 'image/png', buffer: png });
  await page.getByTestId('menu-image').getByRole('button', { name: 'アップロード' }).click();
  const fitted = page.getByTestId('menu-image-fitted');
  await fitted.waitFor();
  assert.match(await fitted.innerText(), /元の画像 3000×2000 px・[\d.]+ MB → LINE に送る画像 (JPEG|PNG)・\d+ KB/);
  await eventually(async () => (await page.getByTestId('menu-checks').innerText()).includes('問題は見つかりません。公開できます。') || (await page.getByTestId('menu-checks').innerText()), 'no problems are left');
  await shot('editor');
  assert.deepEqual(await axe(), [], 'the editor has no accessibility violations');

  await page.getByTestId('publish-menu').click();
  await eventually(async () => (await page.getByTestId('menu-publications').locator('tr[data-state="live"]').count()) === 1, 'the publish is live');
  await open('/admin/rich-menus');
  await page.getByTestId('live-menu').getByRole('link', { name: 'くらしのメニュー' }).waitFor();
  await shot('list');
  assert.deepEqual(await axe(), []);
});

test('in the simulator the friend sees the menu, and each tap does what its label says', async () => {
  await open(`/admin/simulator?ch=main&user=${friend}`);
  const menu = page.getByTestId('rich-menu');
  await menu.waitFor();
  const bar = menu.locator('.lp-rm-toggle');
  if ((await bar.getAttribute('aria-expanded')) !== 'true') await bar.click();
  await menu.getByRole('button', { name: 'ごみ・リサイクル', exact: true }).click();
  const chat = page.getByTestId('chat');
  await eventually(async () => (await chat.innerText()).includes('ごみ・リサイクル'), 'the text is sent as the friend');
  // The area's page opens through our click redirect (/r/{code}, counted for the menu's
  // statistics), which sends the browser on to the page. (A route does not catch a redirected
  // request, so the page is checked by the requests the popup made.)
  const requests = [];
  const seen = (request) => requests.push(request.url());
  page.context().on('request', seen);
  const popup = page.waitForEvent('popup');
  await menu.getByRole('button', { name: 'お問い合わせ', exact: true }).click();
  const opened = await popup;
  await eventually(async () => requests.includes(CONTACT) || requests, 'the popup is sent on to the contact page');
  page.context().off('request', seen);
  assert.ok(requests.some((u) => u.startsWith(`${server.baseUrl}/r/`)), `through the click redirect: ${requests}`);
  await opened.close();
  await page.screenshot({ path: `${shots}rich-menus-simulator.png` });
});

test('a second publish replaces the first at LINE, and 「この版に戻す」 brings it back', async () => {
  await open(editorPath);
  const bar = page.getByLabel('メニューバーの文字');
  await bar.fill('市のメニュー');
  await page.getByTestId('save-menu').click();
  await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
  await page.getByTestId('publish-menu').click();
  const rows = page.getByTestId('menu-publications').locator('tbody tr');
  await eventually(async () => (await rows.count()) === 2 && (await rows.first().getAttribute('data-state')) === 'live', 'version 2 is live');
  assert.match(await rows.nth(1).innerText(), /第1版[\s\S]*公開終了/);
  await rows.nth(1).getByRole('button', { name: 'この版に戻す' }).click();
  await eventually(async () => (await rows.count()) === 3 && (await rows.first().getAttribute('data-state')) === 'live', 'version 1 is live again');
  assert.match(await rows.first().innerText(), /第1版/);
  assert.deepEqual(pageErrors, []);
});
