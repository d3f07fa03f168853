// A rich menu with tabs (issue 17, §1-2, §5), in a real browser against the real server and its
// built-in LINE sandbox: staff start from the 6-area preset, add a 「防災」 tab (a menu of its own
// with its image), give each tab an area that switches to the other by choosing the tab by name,
// and publish once: both tabs go to LINE with their aliases, the first as the default. In
// 「LINEシミュレーター」 the friend's tap on 「防災へ」 shows the 防災 tab and 「くらしへ」 the first
// again. Screenshots: test-results/rich-menu-tabs-*.png; axe on the editor with tabs.
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
let friend;
let firstTab;

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

async function uploadPicture(colour) {
  const dataUrl = await page.evaluate((colour) => {
    const canvas = document.createElement('canvas');
    canvas.width = 2500;
    canvas.height = 1686;
    const g = canvas.getContext('2d');
    g.fillStyle = colour;
    g.fillRect(0, 0, 2500, 1686);
    return canvas.toDataURL('image/png');
  }, colour);
  const buffer = Buffer.from(dataUrl.split(',')[1], 'base64');
  await page.getByLabel('画像ファイル（JPEG・PNG）').setInputFiles({ name: 'menu.png', mimeType: 'image/png', buffer });
  await page.getByTestId('menu-image').getByRole('button', { name: 'アップロード' }).click();
  await page.getByTestId('menu-image-fitted').waitFor();
}

/// Area `name` switches to tab `tab`, and is read aloud as `label`.
async function switchArea(name, tab, label) {
  await page.getByRole('list', { name: 'エリアの一覧' }).getByRole('button', { name: new RegExp(name) }).click();
  const fields = page.getByTestId('menu-area-fields');
  await fields.getByLabel('タップしたときの動作').selectOption({ label: 'リッチメニューを切り替え' });
  await fields.getByLabel('切り替え先のタブ').selectOption({ label: tab });
  await fields.getByLabel('エリアの名前').fill(label);
}

async function save() {
  await page.getByTestId('save-menu').click();
  await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
}

async function seen() {
  const view = await call('simulator/rich_menu', { channel: 'main', user_id: friend });
  return view ? `${view.source}:${view.chat_bar_text}` : 'none';
}

test('a department owns the menu, and a friend follows in the simulator', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('危機管理課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/simulator?ch=main');
  const created = await call('simulator/create_friend', { channel: 'main', display_name: '市民 花子' });
  await call('simulator/act', { channel: 'main', user_id: created.user_id, act: 'follow' });
  friend = created.user_id;
});

test('a 防災 tab is added to a くらし menu, and each tab switches to the other by name', async () => {
  await open('/admin/rich-menus/new');
  await page.getByRole('button', { name: /くらしの6分割/ }).click();
  await page.getByLabel('メニュー名（職員用）').fill('くらしと防災');
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  firstTab = new URL(page.url()).pathname;
  await page.getByTestId('menu-tabs').getByText('タブを付けると').waitFor();
  await uploadPicture('#2f6f4f');

  const add = page.getByTestId('add-menu-tab');
  await add.getByLabel('追加するタブの名前').fill('防災');
  await add.getByRole('button', { name: 'タブを追加' }).click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?tab=1$/);
  await hydrated(page);
  const tabs = page.getByRole('navigation', { name: 'このメニューのタブ' });
  await tabs.getByRole('link', { name: 'タブ1' }).waitFor();
  assert.equal(await tabs.getByRole('link', { name: '防災' }).getAttribute('aria-current'), 'page');
  await page.getByLabel('メニューバーの文字').fill('防災情報');
  await switchArea('ごみ・リサイクル', 'タブ1', 'くらしへ');
  await save();
  await uploadPicture('#8a1c1c');
  await page.screenshot({ path: `${shots}rich-menu-tabs-editor.png`, fullPage: true });
  assert.deepEqual(await axe(), [], 'the editor of a tab has no accessibility violations');

  await tabs.getByRole('link', { name: 'タブ1' }).click();
  await page.waitForURL(`**${firstTab}`);
  await hydrated(page);
  await page.getByLabel('このタブの名前').fill('くらし');
  await switchArea('お問い合わせ', '防災', '防災へ');
  await save();
  await eventually(async () => (await page.getByTestId('menu-checks').innerText()).includes('問題は見つかりません。公開できます。') || (await page.getByTestId('menu-checks').innerText()), 'no problems are left');
});

test('one publish puts both tabs on LINE, and the friend switches between them', async () => {
  await page.getByTestId('publish-menu').click();
  await eventually(async () => (await page.getByTestId('menu-publications').locator('tr[data-state="live"]').count()) === 1, 'the first tab is live', 60_000);
  assert.equal(await seen(), 'Default:メニュー');

  await open(`/admin/simulator?ch=main&user=${friend}`);
  const menu = page.getByTestId('rich-menu');
  await menu.waitFor();
  const bar = menu.locator('.lp-rm-toggle');
  if ((await bar.getAttribute('aria-expanded')) !== 'true') await bar.click();
  await menu.getByRole('button', { name: '防災へ', exact: true }).click();
  await eventually(async () => (await seen()) === 'Switched:防災情報' || (await seen()), 'the 防災 tab is shown');
  await menu.getByRole('button', { name: 'くらしへ', exact: true }).waitFor();
  await page.screenshot({ path: `${shots}rich-menu-tabs-simulator.png` });
  await menu.getByRole('button', { name: 'くらしへ', exact: true }).click();
  await eventually(async () => (await seen()) === 'Switched:メニュー' || (await seen()), 'the くらし tab is shown again');
  assert.deepEqual(pageErrors, []);
});
