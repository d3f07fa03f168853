// 配信履歴 as a new member of staff tries it (issue 14's "done means"), in a real browser against
// the real server and its built-in LINE sandbox: 30 simulated friends follow; a delivery with two
// links goes to all of them; 25 open it in 「LINEシミュレーター」 and 21 tap the first link (LINE's
// in-app browser is a new tab: the tap goes through our tracked address and is redirected); the
// delivery page, after 「最新の数値に更新」, shows 配信数 30, 開封数 25, 開封率 83.3%, クリック数 21
// and 「20未満」 for the second link, with the chart and its table; 配信履歴 lists it with the same
// figures, sorts, and its CSV opens in Excel (UTF-8 with a byte-order mark, CRLF); the dashboard
// shows the friends and the delivery. axe finds no violation on the three pages. Screenshots at
// 1366 px: test-results/statistics-*.png.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const APPLY = 'https://city.example.jp/kosodate/apply';
const INFO = 'https://city.example.jp/kosodate/info';
const TITLE = '子育て応援給付金の申請受付';
const TEXT = `子育て応援給付金の申請を受け付けています。\n申請はこちら ${APPLY}\n詳しくは ${INFO}`;
const FRIENDS = 30;
const READERS = 25;
const TAPPERS = 21;

let server;
let browser;
let page;
const pageErrors = [];
const users = [];
let deliveryPath;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
  // The city's pages are outside this machine: answer them here, as the city's server would.
  await page.context().route('https://city.example.jp/**', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html><html lang="ja"><title>市のページ</title><p>申請ページ</p></html>' }));
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
  await page.screenshot({ path: `${shots}statistics-${name}.png`, fullPage: true });
}

async function axe() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

async function eventually(check, what, timeout = 20_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > end) assert.fail(`never true: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// Calls one of the simulator's server functions from the signed-in page, as its forms do.
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

test(`a department, and ${FRIENDS} simulated friends follow the sandbox channel`, async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('子育て支援課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/simulator?ch=main');
  for (let i = 1; i <= FRIENDS; i += 1) {
    const friend = await simulator('create_friend', { channel: 'main', display_name: `市民${String(i).padStart(2, '0')}` });
    await simulator('act', { channel: 'main', user_id: friend.user_id, act: 'follow' });
    users.push(friend.user_id);
  }
  await open('/admin?ch=main');
  await eventually(async () => (await page.getByTestId('friends-following').innerText()).trim() === String(FRIENDS), `${FRIENDS} friends on the dashboard`);
});

test('a delivery with two links goes to every friend, its links tracked', async () => {
  await open('/admin/deliveries/new?ch=main');
  await page.getByLabel('件名（管理用）').fill(TITLE);
  const text = page.locator('#f-messages-0-text');
  await text.waitFor();
  await text.fill(TEXT);
  // Both links are listed, tracked by default.
  const tracking = page.getByTestId('link-tracking');
  await tracking.getByText(APPLY).waitFor();
  await tracking.getByText(INFO).waitFor();
  assert.equal(await tracking.locator('input[type="checkbox"]:checked').count(), 2);
  await page.getByTestId('target').getByLabel('すべての友だち').check();
  await page.getByTestId('save-delivery').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?saved=1/);
  await hydrated(page);
  deliveryPath = new URL(page.url()).pathname;
  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByTestId('confirm-audience').filter({ hasText: new RegExp(`^${FRIENDS} 人（`) }).waitFor();
  await dialog.getByTestId('confirm-send').click();
  await eventually(async () => (await page.getByTestId('delivery-head').locator('[data-status]').first().getAttribute('data-status')) === 'sent', 'the delivery is 送信済み', 30_000);
});

/// Opens the friend's chat in the simulator (reading it) and, when `tap`, taps the first link.
async function readAndTap(i, tap) {
  // From the simulator's list of users, as staff move between them (no page load).
  await page.locator('.sim-friend-list').getByRole('link', { name: `市民${String(i + 1).padStart(2, '0')}`, exact: true }).click();
  await page.waitForURL(`**user=${users[i]}`);
  const link = page.getByTestId('chat').locator('a.lp-url').first();
  await link.waitFor();
  if (!tap) return;
  const acted = page.waitForResponse((r) => r.url().includes('/api/simulator/act'));
  const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await popup.waitForURL(APPLY);
  await popup.close();
  assert.equal((await acted).status(), 200);
}

test(`${READERS} friends read it in the simulator and ${TAPPERS} tap the first link`, async () => {
  await open(`/admin/simulator?ch=main`);
  for (let i = 0; i < READERS; i += 1) {
    await readAndTap(i, i < TAPPERS);
    if (i === 0) await page.screenshot({ path: `${shots}statistics-simulator.png` });
  }
});

test('the delivery page shows 配信数 30, 開封数 25, 開封率 83.3%, クリック数 21 and 「20未満」', async () => {
  await open(deliveryPath);
  const figures = page.getByTestId('delivery-figures');
  await figures.waitFor();
  // LINE's figures are fetched on a schedule; staff can ask now.
  await figures.getByTestId('refresh-figures').click();
  await figures.getByText('最新の数値に更新しました').waitFor();
  await eventually(async () => (await figures.getByTestId('figure-opens').innerText()).trim() === String(READERS), 'opens from LINE');
  assert.equal((await figures.getByTestId('figure-delivered').innerText()).trim(), String(FRIENDS));
  assert.equal((await figures.getByTestId('figure-open-rate').innerText()).trim(), '83.3%');
  // Our clicks are written within a second of the taps.
  await eventually(async () => (await figures.getByTestId('figure-clicks').innerText()).trim() === String(TAPPERS), 'our click count');
  assert.equal((await figures.getByTestId('figure-unique-clicks').innerText()).trim(), String(TAPPERS));
  const links = figures.getByTestId('link-figures').locator('tbody tr');
  assert.equal(await links.count(), 2);
  assert.match(await links.nth(0).innerText(), new RegExp(`${APPLY}\\s+1\\s+${TAPPERS}\\s+${TAPPERS}`));
  assert.equal((await links.nth(1).getByTestId('link-clicks').innerText()).trim(), '0');
  assert.equal((await links.nth(1).getByTestId('link-unique-clicks').innerText()).trim(), '20未満');
  // The chart (drawn on the server) and its table.
  const chart = figures.getByTestId('figures-chart');
  assert.equal(await chart.locator('svg[role="img"]').count(), 1);
  await chart.locator('summary').click();
  const lastRow = chart.getByTestId('figures-chart-table').locator('tbody tr').last();
  assert.match(await lastRow.innerText(), new RegExp(`${READERS}\\s+${TAPPERS}$`));
  await shot('delivery');
  assert.deepEqual(await axe(), [], 'the delivery page with its figures has no accessibility violations');
});

test('配信履歴 lists it with the same figures, sorts, and its CSV opens in Excel', async () => {
  await open('/admin/deliveries/history');
  const row = page.getByTestId('history-row').filter({ hasText: TITLE });
  await row.waitFor();
  const cell = async (col) => (await row.locator(`[data-col="${col}"]`).innerText()).trim();
  assert.equal(await cell('delivered'), String(FRIENDS));
  assert.equal(await cell('opens'), String(READERS));
  assert.equal(await cell('open_rate'), '83.3%');
  assert.equal(await cell('clicks'), String(TAPPERS));
  // The test sends are apart (none yet).
  await page.getByRole('heading', { name: 'テスト配信' }).waitFor();
  await shot('history');
  assert.deepEqual(await axe(), [], 'the history has no accessibility violations');
  // Sorting by 開封数 keeps the row and marks the column.
  await page.locator('th a[data-sort="opens"]').click();
  await page.waitForURL(/sort=opens/);
  await page.locator('th[aria-sort="descending"] a[data-sort="opens"]').waitFor();
  await row.waitFor();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-csv').click()]);
  const bytes = readFileSync(await download.path());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark (Excel)');
  const csv = bytes.toString('utf8').slice(1);
  const lines = csv.split('\r\n');
  assert.match(lines[0], /^配信日時,タイトル,部署,チャネル,配信対象,状態,配信数,開封数,開封率,クリック数/);
  const line = lines.find((l) => l.includes(TITLE));
  assert.ok(line, csv);
  assert.match(line, new RegExp(`,${FRIENDS},${READERS},83\\.3%,${TAPPERS},`));
});

test('the dashboard shows the friends and the latest delivery', async () => {
  await open('/admin?ch=main');
  await page.getByTestId('dashboard-latest').getByText(TITLE).waitFor();
  assert.equal((await page.getByTestId('friends-following').innerText()).trim(), String(FRIENDS));
  await shot('dashboard');
  assert.deepEqual(await axe(), [], 'the dashboard has no accessibility violations');
  assert.deepEqual(pageErrors, []);
});
