// Who sees which rich menu (issue 17, §3), in a real browser against the real server and its
// built-in LINE sandbox: a くらし menu is every friend's default; a 子育て menu is published for
// links and given, by a rule, to the segment 「子育て情報を受け取る」; when staff record that a
// friend wants 子育て news, the job runner links that friend (and only that friend) to it, and
// the friend page says why; the emergency switch puts both friends on a prepared 防災 menu in
// one click and the second click restores the rule's menu and the default; a delivery to the
// segment switches the friend it reaches (only them) to an event menu until a date; a switch
// for every friend in a period shows on the timeline and holds everyone else. Screenshots:
// test-results/rich-menu-rules-*.png.
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
const friends = {};

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

async function call(endpoint, fields, json = false) {
  return page.evaluate(async ([endpoint, fields, json]) => {
    const res = await fetch(`/api/${endpoint}`, {
      method: 'POST',
      headers: json
        ? { 'content-type': 'application/json', accept: 'application/json' }
        : { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
    if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${await res.text()}`);
    return res.json();
  }, [endpoint, fields, json]);
}

async function picture() {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 2500;
    canvas.height = 1686;
    const g = canvas.getContext('2d');
    g.fillStyle = '#2f6f4f';
    g.fillRect(0, 0, 2500, 1686);
    return canvas.toDataURL('image/png');
  });
  return Buffer.from(dataUrl.split(',')[1], 'base64');
}

/// A menu from a preset, with an image, published as the default or for links.
async function menu(preset, title, forLinks) {
  await open('/admin/rich-menus/new');
  await page.getByRole('button', { name: new RegExp(preset) }).click();
  await page.getByLabel('メニュー名（職員用）').fill(title);
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  await page.getByLabel('画像ファイル（JPEG・PNG）').setInputFiles({ name: 'menu.png', mimeType: 'image/png', buffer: await picture() });
  await page.getByTestId('menu-image').getByRole('button', { name: 'アップロード' }).click();
  await page.getByTestId('menu-image-fitted').waitFor();
  await page.getByTestId(forLinks ? 'publish-menu-for-links' : 'publish-menu').click();
  await eventually(async () => (await page.getByTestId('menu-publications').locator('tr[data-state="live"]').count()) === 1, `${title} is live`);
}

/// The LINE id of the menu a simulated friend sees, and where it comes from.
async function seen(user) {
  const view = await call('simulator/rich_menu', { channel: 'main', user_id: user });
  return view ? `${view.source}:${view.chat_bar_text}` : 'none';
}

test('a department, an attribute, a segment and two friends who follow', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('子育て支援課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  const attribute = await call('attributes/create', { key: 'kosodate', label: '子育て情報を受け取る', kind: 'text' });
  const departments = await call('segments/editor', {});
  const departmentId = departments?.departments?.[0]?.id;
  assert.ok(departmentId, 'a department to file the segment under');
  await call('segments/save', {
    id: null,
    version: null,
    draft: {
      department_id: departmentId,
      name: '子育て情報を受け取る',
      description: '子育て情報を希望した人',
      rule: { node: 'condition', on: 'answered', attribute_id: attribute, answered: true },
    },
  }, true);
  await open('/admin/simulator?ch=main');
  for (const name of ['市民 花子', '市民 太郎']) {
    const created = await call('simulator/create_friend', { channel: 'main', display_name: name });
    await call('simulator/act', { channel: 'main', user_id: created.user_id, act: 'follow' });
    friends[name] = created.user_id;
  }
});

test('a default, a 子育て menu for the segment, and a 防災 menu made ready', async () => {
  await menu('くらしの6分割', 'くらしのメニュー', false);
  await menu('子育ての4分割', '子育てメニュー', true);
  await menu('防災（1分割）', '防災メニュー', true);
  for (const user of Object.values(friends)) assert.equal(await seen(user), 'Default:メニュー');

  await open('/admin/rich-menus');
  const rules = page.getByTestId('add-menu-rule');
  await rules.getByLabel('セグメント').selectOption({ label: '子育て情報を受け取る' });
  await rules.getByLabel('表示するメニュー').selectOption({ label: '子育てメニュー' });
  await rules.getByRole('button', { name: 'ルールを追加' }).click();
  await page.getByTestId('menu-rules-table').getByText('子育てメニュー').waitFor();
});

test('a friend who wants 子育て news is moved to its menu, and the friend page says why', async () => {
  await open('/admin/friends');
  await page.getByRole('link', { name: '市民 花子' }).click();
  await hydrated(page);
  const section = page.getByTestId('friend-attributes');
  await section.getByLabel('子育て情報を受け取る').fill('はい');
  await section.getByRole('button', { name: '属性を保存' }).click();
  await section.getByRole('status').filter({ hasText: '属性を保存しました。' }).waitFor();
  await eventually(async () => (await seen(friends['市民 花子'])) === 'PerUser:子育てメニュー' || (await seen(friends['市民 花子'])), '花子 sees the 子育て menu');
  assert.equal(await seen(friends['市民 太郎']), 'Default:メニュー');
  await page.reload();
  await hydrated(page);
  await eventually(async () => (await page.getByTestId('friend-rich-menu').innerText()).includes('子育てメニュー（セグメント「子育て情報を受け取る」のルール）') || (await page.getByTestId('friend-rich-menu').innerText()), 'the friend page names the menu and the rule');
  await page.screenshot({ path: `${shots}rich-menu-rules-friend.png`, fullPage: true });
});

test('the emergency switch puts everyone on 防災 in one click, and the second click undoes it', async () => {
  await open('/admin/rich-menus');
  const panel = page.getByTestId('menu-emergency');
  await panel.getByLabel('切り替えるメニュー').selectOption({ label: '防災メニュー' });
  await panel.getByLabel('友だち全員のメニューをすぐに切り替えることを確認しました').check();
  await panel.getByTestId('emergency-on').click();
  await panel.getByText('緊急切り替え中').waitFor();
  for (const user of Object.values(friends)) {
    await eventually(async () => (await seen(user)) === 'PerUser:防災情報' || (await seen(user)), 'everyone is on 防災 (linked by the job)');
  }
  await page.screenshot({ path: `${shots}rich-menu-rules-emergency.png`, fullPage: true });
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  assert.deepEqual(result.violations.map((v) => v.id), []);

  await panel.getByTestId('emergency-off').click();
  await panel.getByText('災害などのとき').waitFor();
  await eventually(async () => (await seen(friends['市民 花子'])) === 'PerUser:子育てメニュー' || (await seen(friends['市民 花子'])), '花子 is back on the rule\'s menu');
  await eventually(async () => (await seen(friends['市民 太郎'])) === 'Default:メニュー' || (await seen(friends['市民 太郎'])), '太郎 is back on the default');
});

/// A Japan-time `datetime-local` value `hours` from now.
function jstInput(hours) {
  return new Date(Date.now() + hours * 3_600_000 + 9 * 3_600_000).toISOString().slice(0, 16);
}

async function axeViolations() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
}

test('a delivery switches the friends it reaches to an event menu until a date; the others keep theirs', async () => {
  await menu('イベントの3分割', 'イベントメニュー', true);
  await open('/admin/deliveries/new?ch=main');
  await page.getByLabel('件名（管理用）').fill('秋祭りのお知らせ');
  const text = page.locator('#f-messages-0-text');
  await text.waitFor();
  await text.fill('今週末は秋祭りです。メニューからプログラムを見られます。');
  const target = page.getByTestId('target');
  await target.getByLabel('条件で絞り込む').check();
  await target.getByRole('group', { name: /保存済みのセグメント/ }).getByLabel('子育て情報を受け取る').check();
  const section = page.getByTestId('delivery-rich-menu');
  const choice = await section.locator('#delivery-rich-menu option', { hasText: 'イベントメニュー' }).getAttribute('value');
  await section.getByLabel('切り替えるメニュー').selectOption(choice);
  await section.getByLabel('表示期限（任意）').fill(jstInput(5 * 24));
  assert.equal(await section.getByTestId('delivery-menu-unpublished').count(), 0, 'the menu is on LINE already');
  await section.screenshot({ path: `${shots}rich-menu-rules-delivery.png` });
  assert.deepEqual(await axeViolations(), [], 'the delivery form with a menu has no accessibility violations');

  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByTestId('confirm-rich-menu').filter({ hasText: '「イベントメニュー」に切り替え' }).waitFor();
  await dialog.getByTestId('confirm-audience').filter({ hasText: /^1 人（/ }).waitFor();
  await dialog.getByTestId('confirm-send').click();
  await eventually(async () => (await seen(friends['市民 花子'])) === 'PerUser:イベント' || (await seen(friends['市民 花子'])), '花子 sees the event menu');
  assert.equal(await seen(friends['市民 太郎']), 'Default:メニュー', '太郎 did not receive it');

  await open('/admin/friends');
  await page.getByRole('link', { name: '市民 花子' }).click();
  await hydrated(page);
  await eventually(async () => (await page.getByTestId('friend-rich-menu').innerText()).includes('イベントメニュー（配信「秋祭りのお知らせ」）') || (await page.getByTestId('friend-rich-menu').innerText()), 'the friend page names the delivery');
});

test('a switch for every friend in a period (年末年始) is on the timeline and holds everyone without a delivery menu', async () => {
  await open('/admin/rich-menus');
  const rules = page.getByTestId('add-menu-rule');
  await rules.getByLabel('セグメント').selectOption({ label: 'すべての友だち（期間を決めて切り替え）' });
  await rules.getByLabel('表示するメニュー').selectOption({ label: '防災メニュー' });
  await rules.getByLabel('期間の始まり（任意）').fill(jstInput(-1));
  await rules.getByLabel('期間の終わり（任意）').fill(jstInput(48));
  await rules.getByRole('button', { name: 'ルールを追加' }).click();
  const timeline = page.getByTestId('menu-timeline');
  await timeline.getByText('すべての友だち：防災メニュー').waitFor();
  await eventually(async () => (await seen(friends['市民 太郎'])) === 'PerUser:防災情報' || (await seen(friends['市民 太郎'])), '太郎 is on the period menu');
  assert.equal(await seen(friends['市民 花子']), 'PerUser:イベント', "a delivery's menu comes first");
  await page.screenshot({ path: `${shots}rich-menu-rules-timeline.png`, fullPage: true });
  assert.deepEqual(await axeViolations(), [], 'the rules with their timeline have no accessibility violations');
  assert.deepEqual(pageErrors, []);
});
