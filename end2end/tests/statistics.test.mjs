// 配信履歴 as a new member of staff tries it (issue 14's "done means"), in a real browser against
// the real server and its built-in LINE sandbox: 30 simulated friends follow; a delivery with two
// links goes to all of them; 25 open it in 「LINEシミュレーター」 and 21 tap the first link (LINE's
// in-app browser is a new tab: the tap goes through our tracked address and is redirected); the
// delivery page, after 「最新の数値に更新」, shows 配信数 30, 開封数 25, 開封率 83.3%, クリック数 21
// and 「20未満」 for the second link, with the chart and its table; 配信履歴 lists it with the same
// figures, sorts, and its CSV opens in Excel (UTF-8 with a byte-order mark, CRLF); the dashboard
// shows the friends and the delivery. axe finds no violation on the three pages. Then a delivery
// that records who clicked (「クリックした人を記録する」): the confirmation says it goes one by
// one, three friends tap their own links, the delivery page names them, and a segment of those
// who received it and did not tap counts the other 27. Screenshots at 1366 px:
// test-results/statistics-*.png.
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
  // Two aggregation units a month: the second delivery uses the last, and 配信履歴 warns.
  server = await startServer({ LINE_AGGREGATION_UNITS_PER_MONTH: '2' });
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
  // One unit of two used: no warning yet.
  assert.equal(await page.getByTestId('unit-warning').count(), 0);
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

  // The same file in Shift_JIS, for older Excel: no byte-order mark, the same lines.
  const [sjis] = await Promise.all([page.waitForEvent('download'), page.getByTestId('history-csv-sjis').click()]);
  const sjisBytes = readFileSync(await sjis.path());
  assert.notDeepEqual([...sjisBytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const decoded = new TextDecoder('shift_jis').decode(sjisBytes).split('\r\n');
  assert.equal(decoded[0], lines[0]);
  assert.equal(decoded.find((l) => l.includes(TITLE)), line);
});

test('the dashboard shows the friends and the latest delivery', async () => {
  await open('/admin?ch=main');
  await page.getByTestId('dashboard-latest').getByText(TITLE).waitFor();
  assert.equal((await page.getByTestId('friends-following').innerText()).trim(), String(FRIENDS));
  // LINE's own daily counts, once the statistics job has fetched them (or what to expect).
  assert.equal(await page.locator('[data-testid="line-followers"], [data-testid="line-followers-pending"]').count(), 1);
  await shot('dashboard');
  assert.deepEqual(await axe(), [], 'the dashboard has no accessibility violations');
  assert.deepEqual(pageErrors, []);
});

const REMINDER = '給付金の申請期限のお知らせ';
const DEADLINE = 'https://city.example.jp/kosodate/deadline';
const CLICKERS = 3;

test('a delivery that records who clicked goes one push per friend, as the confirmation says', async () => {
  await open('/admin/deliveries/new?ch=main');
  await page.getByLabel('件名（管理用）').fill(REMINDER);
  const text = page.locator('#f-messages-0-text');
  await text.waitFor();
  await text.fill(`申請期限は12月25日です。\n申請はこちら ${DEADLINE}`);
  const tracking = page.getByTestId('link-tracking');
  await tracking.getByText(DEADLINE).waitFor();
  await tracking.getByLabel('クリックした人を記録する').check();
  await page.getByTestId('target').getByLabel('すべての友だち').check();
  await page.getByTestId('save-delivery').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?saved=1/);
  await hydrated(page);
  deliveryPath = new URL(page.url()).pathname;
  // Saved with the option (the form shows it again).
  assert.equal(await page.getByTestId('link-tracking').getByLabel('クリックした人を記録する').isChecked(), true);
  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByTestId('confirm-audience').filter({ hasText: new RegExp(`^${FRIENDS} 人（`) }).waitFor();
  assert.match(await dialog.getByTestId('confirm-duration').innerText(), /1秒以内（クリックした人を記録するため、1人ずつ送ります）/);
  await dialog.getByTestId('confirm-send').click();
  await eventually(async () => (await page.getByTestId('delivery-head').locator('[data-status]').first().getAttribute('data-status')) === 'sent', 'the delivery is 送信済み', 30_000);
});

test(`${CLICKERS} friends tap their own link; the delivery page names them`, async () => {
  await open('/admin/simulator?ch=main');
  const codes = new Set();
  for (let i = 0; i < CLICKERS; i += 1) {
    await page.locator('.sim-friend-list').getByRole('link', { name: `市民${String(i + 1).padStart(2, '0')}`, exact: true }).click();
    await page.waitForURL(`**user=${users[i]}`);
    // The newest message's link: each friend's address is their own.
    const link = page.getByTestId('chat').locator('a.lp-url').last();
    await link.waitFor();
    codes.add(await link.getAttribute('href'));
    const [popup] = await Promise.all([page.waitForEvent('popup'), link.click()]);
    await popup.waitForURL(DEADLINE);
    await popup.close();
  }
  assert.equal(codes.size, CLICKERS, `each friend has their own link: ${[...codes]}`);

  await open(deliveryPath);
  const figures = page.getByTestId('delivery-figures');
  await figures.waitFor();
  await eventually(async () => {
    await open(deliveryPath);
    const shown = page.getByTestId('delivery-figures').getByTestId('figure-clickers');
    return (await shown.count()) === 1 && (await shown.innerText()).trim() === String(CLICKERS);
  }, 'three people clicked');
  const people = page.getByTestId('delivery-figures').getByTestId('link-people').first();
  assert.equal((await people.innerText()).trim(), String(CLICKERS));
  const recipients = page.getByTestId('recipients').first();
  await recipients.locator('summary').click();
  const table = recipients.getByTestId('recipient-table');
  await table.waitFor();
  assert.equal(await table.locator('tbody tr').count(), FRIENDS);
  await recipients.getByTestId('recipients-clicked-only').check();
  await eventually(async () => (await table.locator('tbody tr').count()) === CLICKERS, 'only the three who clicked');
  const names = await table.locator('tbody tr td:first-child').allInnerTexts();
  assert.deepEqual(names.map((n) => n.trim()), ['市民01', '市民02', '市民03']);
  assert.equal((await table.getByTestId('recipient-clicked').first().innerText()).trim(), 'リンク1');
  await shot('who-clicked');
  assert.deepEqual(await axe(), [], 'the delivery page with who clicked has no accessibility violations');
});

test('a segment of those who received it and did not tap counts the other 27', async () => {
  await open('/admin/segments/new?ch=main');
  await page.getByRole('heading', { name: 'セグメントの作成', level: 1 }).waitFor();
  await page.getByLabel('セグメント名').fill('申請ページを開いていない人');
  const builder = page.getByTestId('rule-builder');
  await builder.getByRole('button', { name: '条件を追加' }).click();
  await page.locator('#segment-rule-0-subject').waitFor();
  await page.locator('#segment-rule-0-subject').selectOption({ value: 'click' });
  await page.locator('#segment-rule-0-op').selectOption({ value: 'not_clicked' });
  const delivery = page.locator('#segment-rule-0-delivery');
  assert.match(await delivery.locator('option:checked').innerText(), new RegExp(REMINDER));
  await page.locator('#segment-rule-0-link').selectOption({ label: `リンク1: ${DEADLINE}` });
  await eventually(async () => {
    const figure = page.getByTestId('audience-count');
    if ((await figure.count()) === 0) return false;
    const n = Number((await figure.locator('strong').innerText()).replace(/[人,]/g, ''));
    return n === FRIENDS - CLICKERS || n;
  }, `the live count shows ${FRIENDS - CLICKERS}`);
  await page.locator('#segment-rule-0-op').selectOption({ value: 'clicked' });
  await eventually(async () => {
    const n = Number((await page.getByTestId('audience-count').locator('strong').innerText()).replace(/[人,]/g, ''));
    return n === CLICKERS || n;
  }, `the live count shows ${CLICKERS}`);
  await shot('segment-clicked');
  assert.deepEqual(await axe(), [], 'the segment editor with a click condition has no accessibility violations');
  // Both units of the month are used now: 配信履歴 says so before the next delivery.
  await open('/admin/deliveries/history');
  assert.match(await page.getByTestId('unit-warning').innerText(), /LINE 集計単位を 2 \/ 2 使いました/);
  // …and so does the send confirmation of the next delivery on the channel.
  await open('/admin/deliveries/new?ch=main');
  await page.getByLabel('件名（管理用）').fill('年末年始の窓口のお知らせ');
  const next = page.locator('#f-messages-0-text');
  await next.waitFor();
  await next.fill('年末年始は12月29日から1月3日まで窓口を閉めます。');
  await page.getByTestId('target').getByLabel('すべての友だち').check();
  await page.getByTestId('save-delivery').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?saved=1/);
  await hydrated(page);
  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  assert.match(await dialog.getByTestId('confirm-unit-warning').innerText(), /LINE 集計単位を 2 \/ 2 使いました/);
  await shot('confirm-unit-warning');
  assert.deepEqual(await axe(), [], 'the confirmation with the warning has no accessibility violations');
  assert.deepEqual(pageErrors, []);
});
