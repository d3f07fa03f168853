// Every admin page as staff see it at 1366 px, checked with axe-core (WCAG 2.x A and AA, the
// level JIS X 8341-3 AA asks for), with a screenshot of each in test-results/a11y-*.png. The
// pages are opened with data in them (a department, an account, a template, a friend with
// attributes, a CSV import), so tables, forms and editors are checked, not only empty states.
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

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Opens `path`, waits for hydration and for `ready` (text the page shows once its data is in),
/// saves a screenshot and returns axe's violations.
async function audit(path, ready, name) {
  await page.goto(`${server.baseUrl}${path}`);
  await hydrated(page);
  await page.getByText(ready).first().waitFor();
  await page.screenshot({ path: `${shots}a11y-${name}.png`, fullPage: true });
  // The page's CSP forbids inline scripts; axe runs in the page through Playwright's evaluate.
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}

test('some data to show: a department, an account and a template', async () => {
  await page.goto(`${server.baseUrl}/admin/staff/departments`);
  await hydrated(page);
  await page.getByLabel('新しい部署名').fill('総務課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await page.goto(`${server.baseUrl}/admin/staff/new`);
  await hydrated(page);
  await page.getByLabel('ユーザー名（ログインに使います）').fill('sato');
  await page.getByLabel('初期パスワード', { exact: true }).fill('initial-pass-0427');
  await page.getByLabel('初期パスワード（確認）').fill('initial-pass-0427');
  await page.getByRole('button', { name: '追加' }).click();
  await page.waitForURL('**/admin/staff/*?saved=created');
  await page.goto(`${server.baseUrl}/admin/templates/new`);
  await hydrated(page);
  await page.getByLabel('件名').fill('防災訓練のお知らせ');
  await page.locator('#f-messages-0-text').fill('11月30日に防災訓練を行います。');
  await page.getByRole('button', { name: '保存' }).click();
  await page.waitForURL('**/admin/templates/*?saved=1');
});

// The pages of 友だち属性 that need an id: filled in by the next test.
const attributePages = {};

test('some data to show: a friend with attributes and a CSV import with a problem', async () => {
  // A friend from the built-in LINE sandbox.
  await page.goto(`${server.baseUrl}/admin/simulator`);
  await hydrated(page);
  await page.getByLabel('表示名').fill('市民 花子');
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name: '市民 花子' }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  const userId = new URL(page.url()).searchParams.get('user');
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: '200' }).waitFor();
  // 地区 gets its options.
  await page.goto(`${server.baseUrl}/admin/friends/attributes`);
  await hydrated(page);
  await page.locator('tr[data-attribute="district"]').getByRole('link', { name: 'お住まいの地区' }).click();
  await page.waitForURL(/\/admin\/friends\/attributes\/\d+$/);
  attributePages.district = new URL(page.url()).pathname;
  await page.getByLabel('追加する選択肢（1行に1つ）').fill('北地区\n南地区');
  await page.getByRole('button', { name: '保存' }).click();
  await page.getByText('保存しました。').waitFor();
  // The friend's attributes, with a line of history (the worker records the follow a moment
  // after the webhook's answer).
  const friend = page.locator(`[data-testid="friends"] tr[data-user="${userId}"] a`);
  for (let i = 0; i < 50 && await friend.count() === 0; i++) {
    await page.goto(`${server.baseUrl}/admin/friends`);
    await new Promise((r) => setTimeout(r, 200));
  }
  attributePages.friend = await friend.getAttribute('href');
  await page.goto(`${server.baseUrl}${attributePages.friend}`);
  await hydrated(page);
  await page.getByLabel('お住まいの地区').selectOption({ label: '北地区' });
  await page.getByRole('button', { name: '属性を保存' }).click();
  await page.getByText('属性を保存しました。').waitFor();
  // A file with a problem, for the report.
  await page.goto(`${server.baseUrl}/admin/friends/import`);
  await hydrated(page);
  const csv = `line_user_id,district\r\n${userId},西地区\r\n`;
  await page.getByLabel('CSV ファイル').setInputFiles({ name: 'chiku.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('button', { name: '確認する' }).click();
  await page.waitForURL(/\/admin\/friends\/imports\/\d+$/);
  attributePages.report = new URL(page.url()).pathname;
});

const pages = [
  ['/admin', 'ダッシュボード', 'dashboard'],
  ['/admin/staff', 'sato', 'staff'],
  ['/admin/staff/new', 'アカウントの追加', 'account-new'],
  ['/admin/staff/departments', '職員数', 'departments'],
  ['/admin/templates', '防災訓練のお知らせ', 'templates'],
  ['/admin/templates/new', '定型文の作成', 'template-new'],
  ['/admin/friends', '友だち', 'friends'],
  ['/admin/friends/attributes', '受け取りたい情報', 'friend-attributes'],
  ['/admin/friends/import', 'ファイルの書き方', 'friend-import'],
  ['/admin/simulator', 'LINEシミュレーター', 'simulator'],
  ['/admin/logs', 'ログイン履歴', 'login-history'],
  ['/admin/logs/audit', '操作ログ', 'audit-log'],
  ['/admin/settings', 'あいさつメッセージ', 'settings'],
  ['/admin/settings/allowed-ips', '範囲を追加', 'allowed-ips'],
  ['/admin/password', 'パスワードの変更', 'password'],
  ['/admin/rich-menus', 'リッチメニューはまだありません。', 'rich-menus'],
  ['/admin/rich-menus/new', 'ひな形から始める', 'rich-menu-new'],
  ['/admin/chatbot', 'この機能は準備中です。', 'placeholder'],
  ['/admin/surveys', 'アンケートを作成', 'surveys'],
  ['/admin/surveys/new', '市民のスマートフォンに表示される画面です', 'survey-new'],
  ['/admin/segments', 'セグメントはまだありません', 'segments'],
  ['/admin/segments/new', '当てはまる人数', 'segment-new'],
  ['/admin/test-recipients', 'テスト配信先を登録', 'test-recipients'],
  ['/admin/deliveries', '配信はまだありません', 'deliveries'],
  ['/admin/deliveries?view=calendar', 'この月の配信はありません', 'delivery-calendar'],
  ['/admin/deliveries/new', '配信対象の人数', 'delivery-new'],
  ['/admin/deliveries/history', 'まだ送信した配信はありません', 'delivery-history'],
];

for (const [path, ready, name] of pages) {
  test(`${path} has no accessibility violations (WCAG 2.1 AA)`, async () => {
    assert.deepEqual(await audit(path, ready, name), []);
  });
}

test('the account editor of a member of staff has no accessibility violations', async () => {
  await page.goto(`${server.baseUrl}/admin/staff`);
  await hydrated(page);
  await page.getByRole('link', { name: 'sato' }).click();
  await page.getByTestId('account-status').waitFor();
  const path = new URL(page.url()).pathname;
  assert.deepEqual(await audit(path, 'パスワードの再設定', 'account-edit'), []);
});

for (const [which, ready, name] of [
  ['district', '属性の編集：お住まいの地区', 'friend-attribute-edit'],
  ['friend', '変更履歴', 'friend-detail'],
  ['report', '取り込めない行が', 'friend-import-report'],
]) {
  test(`the ${name} page has no accessibility violations`, async () => {
    assert.deepEqual(await audit(attributePages[which], ready, name), []);
  });
}

test('the rich menu composer (画像をつくる) has no accessibility violations', async () => {
  await page.goto(`${server.baseUrl}/admin/rich-menus/new`);
  await hydrated(page);
  await page.getByRole('button', { name: /くらしの6分割/ }).click();
  await page.getByLabel('メニュー名（職員用）').fill('くらしのメニュー');
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  await page.getByLabel('画像をつくる').check();
  await page.getByTestId('menu-composer').waitFor();
  await page.getByTestId('composer-font').getByText('BIZ UDPゴシック').waitFor();
  const path = new URL(page.url()).pathname;
  // Reopened, the composition is shown as saved (画像をつくる is chosen).
  await page.getByTestId('save-menu').click();
  await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
  assert.deepEqual(await audit(path, '編集するエリア', 'rich-menu-composer'), []);
});
