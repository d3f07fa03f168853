// 「LINEシミュレーター」 with a rich menu: the account publishes a menu through the built-in
// sandbox's Messaging API (with the channel's token, as its LINE client would) and makes it the
// default; a simulated friend sees it under the chat, opens and closes it with the chat bar, taps
// an area with the mouse and another with the keyboard, and each tap arrives in the chat as
// LINE sends it. Checked with axe (WCAG 2.x A and AA, JIS X 8341-3 AA); screenshot at 1366 px in
// test-results/simulator-rich-menu.png.
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
let token;
let user;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { width: 1366 });
  const printed = server.cli(['channel', 'sandbox-token', '--key', 'main']);
  assert.equal(printed.status, 0, printed.stderr);
  // The token is the last line (the server's log lines may come before it).
  token = printed.stdout.trim().split('\n').pop();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// A call to the sandbox's Messaging API as the account makes it.
async function lineApi(method, path, body, contentType = 'application/json') {
  const res = await fetch(`${server.baseUrl}/sandbox/line${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: contentType === 'application/json' && body !== undefined ? JSON.stringify(body) : body,
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function call(endpoint, fields) {
  return page.evaluate(async ([endpoint, fields]) => {
    const res = await fetch(`/api/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });
    if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${await res.text()}`);
    return res.json();
  }, [endpoint, fields]);
}

const WIDTH = 2500;
const HEIGHT = 843;
const AREAS = [
  { label: 'ごみ', colour: '#06703c', action: { type: 'message', label: 'ごみ', text: 'ごみの出し方' } },
  { label: '防災', colour: '#b42318', action: { type: 'postback', label: '防災', data: 'menu=bousai', displayText: '防災情報' } },
  { label: '市のサイト', colour: '#1f2a37', action: { type: 'uri', label: '市のサイト', uri: 'https://city.example.jp/' } },
];

/// The menu image, drawn by the browser: three coloured thirds with their labels in white.
async function menuImage() {
  const dataUrl = await page.evaluate(([width, height, areas]) => {
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const g = canvas.getContext('2d');
    const third = Math.floor(width / 3);
    areas.forEach((area, i) => {
      g.fillStyle = area.colour;
      g.fillRect(i * third, 0, i === 2 ? width - 2 * third : third, height);
      g.fillStyle = '#ffffff';
      g.font = 'bold 150px sans-serif';
      g.textAlign = 'center';
      g.textBaseline = 'middle';
      g.fillText(area.label, i * third + third / 2, height / 2);
    });
    return canvas.toDataURL('image/png');
  }, [WIDTH, HEIGHT, AREAS]);
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

test('the account publishes a default rich menu through the sandbox\'s Messaging API', async () => {
  const third = Math.floor(WIDTH / 3);
  const menu = {
    size: { width: WIDTH, height: HEIGHT },
    selected: true,
    name: 'くらし',
    chatBarText: 'メニュー',
    areas: AREAS.map((area, i) => ({
      bounds: { x: i * third, y: 0, width: i === 2 ? WIDTH - 2 * third : third, height: HEIGHT },
      action: area.action,
    })),
  };
  // LINE's validate, then create.
  assert.deepEqual(await lineApi('POST', '/v2/bot/richmenu/validate', menu), {});
  const { richMenuId } = await lineApi('POST', '/v2/bot/richmenu', menu);
  await lineApi('POST', `/v2/bot/richmenu/${richMenuId}/content`, await menuImage(), 'image/png');
  await lineApi('POST', `/v2/bot/user/all/richmenu/${richMenuId}`);
  user = (await call('simulator/create_friend', { channel: 'main', display_name: '市民 花子' })).user_id;
  await call('simulator/act', { channel: 'main', user_id: user, act: 'follow' });
});

test('the friend sees the menu open under the chat, with its image, and the chat bar closes it', async () => {
  await page.goto(`${server.baseUrl}/admin/simulator?user=${user}`);
  await hydrated(page);
  const panel = page.getByTestId('rich-menu');
  const bar = panel.getByRole('button', { name: 'メニュー' });
  // `selected: true`: open when the chat is opened.
  await page.waitForFunction(() =>
    document.querySelector('.lp-rm-toggle')?.getAttribute('aria-expanded') === 'true');
  assert.equal(await bar.textContent(), 'メニュー▼');
  await page.getByTestId('rich-menu-source').getByText('デフォルトのメニュー').waitFor();
  const image = panel.locator('img');
  await image.waitFor();
  assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth === 2500), 'the image is served');
  const areas = page.getByRole('group', { name: 'リッチメニュー' }).getByRole('button');
  assert.deepEqual(await areas.evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label'))), ['ごみ', '防災', '市のサイト']);
  // Each area covers its third of the image.
  const box = await page.getByRole('group', { name: 'リッチメニュー' }).boundingBox();
  const first = await areas.first().boundingBox();
  assert.ok(Math.abs(first.width - box.width / 3) < 2 && Math.abs(first.height - box.height) < 2, JSON.stringify([box, first]));
  // What each area does, for staff.
  await page.locator('.sim-menu-areas').getByText('「ごみの出し方」と送信').waitFor();

  await bar.click();
  assert.equal(await bar.getAttribute('aria-expanded'), 'false');
  assert.equal(await bar.textContent(), 'メニュー▲');
  await page.getByRole('group', { name: 'リッチメニュー' }).waitFor({ state: 'hidden' });
  await bar.click();
  assert.equal(await bar.getAttribute('aria-expanded'), 'true');
});

test('a tapped message area sends its text as the friend, and an area works from the keyboard', async () => {
  const chat = page.getByTestId('chat');
  await page.getByRole('button', { name: 'ごみ', exact: true }).click();
  await chat.locator('.from-friend').filter({ hasText: 'ごみの出し方' }).waitFor();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();
  // The menu stays as it was, open, for the next tap.
  const bar = page.getByTestId('rich-menu').getByRole('button', { name: 'メニュー' });
  assert.equal(await bar.getAttribute('aria-expanded'), 'true');

  // Keyboard: from the chat bar, Tab reaches the first area, then the second.
  await bar.focus();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
  assert.equal(focused, '防災');
  await page.keyboard.press('Enter');
  await chat.locator('.from-friend').filter({ hasText: '防災情報' }).waitFor();
});

test('the simulator with its rich menu passes axe and is photographed at 1366 px', async () => {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  const violations = result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  assert.deepEqual(violations, []);
  await page.mouse.move(0, 0);
  await page.screenshot({ path: `${shots}simulator-rich-menu.png`, fullPage: true });
});

test('without a menu the simulator says so in one line', async () => {
  await lineApi('DELETE', '/v2/bot/user/all/richmenu');
  // The panel follows the sandbox with the chat's polling.
  await page.getByTestId('no-rich-menu').getByText('リッチメニューは設定されていません').waitFor();
  assert.equal(await page.getByTestId('rich-menu').count(), 0);
});
