// The staff security model as a city would try it: an administrator creates two departments and
// two 一般 users with different permissions; each user must change the initial password, then
// sees only the menus their permissions allow and only their own department's templates. Every
// page runs under the strict Content-Security-Policy: a violation fails the test.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ADMIN, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

let server;
let browser;
const violations = [];

before(async () => {
  // The browser connects from 127.0.0.1; trusting it as a proxy lets a test present another
  // client address with X-Forwarded-For, as a city's reverse proxy would.
  server = await startServer({ TRUSTED_PROXIES: '127.0.0.1/32' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// A fresh browser profile (its own cookies), watching for CSP violations and script errors.
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'ja-JP' });
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content.Security.Policy/i.test(msg.text())) violations.push(msg.text());
  });
  page.on('pageerror', (err) => violations.push(String(err)));
  return page;
}

async function signIn(page, username, password) {
  await page.goto(`${server.baseUrl}/admin/login`);
  await hydrated(page);
  await page.getByLabel('ユーザー名').fill(username);
  await page.getByLabel('パスワード').fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
}

/// The side menu's entries, once the areas (loaded after the page) are shown.
async function menu(page) {
  const nav = page.getByRole('navigation', { name: 'メインメニュー' });
  await nav.getByRole('link', { name: '定型文' }).waitFor();
  return (await nav.getByRole('link').allTextContents()).map((t) => t.trim());
}

const users = {
  sato: { department: '総務課', grants: [['定型文', '編集']], initial: 'shokuin-first-0427', own: 'kouhou-own-pass-1' },
  suzuki: { department: '福祉課', grants: [['定型文', '閲覧'], ['友だち属性', '閲覧']], initial: 'shokuin-second-0427', own: 'fukushi-own-pass-1' },
};
let admin;
let templateUrl;

test('an administrator creates two departments', async () => {
  admin = await newPage();
  await signIn(admin, ADMIN.username, ADMIN.password);
  await admin.waitForURL('**/admin');
  await admin.getByRole('navigation', { name: 'メインメニュー' }).getByRole('link', { name: '管理者' }).click();
  await admin.getByRole('heading', { name: '職員アカウント' }).waitFor();
  await admin.getByRole('link', { name: '部署の管理' }).click();
  await admin.getByRole('heading', { name: '部署の管理' }).waitFor();
  for (const name of ['総務課', '福祉課']) {
    await admin.getByLabel('新しい部署名').fill(name);
    await admin.getByRole('button', { name: '追加' }).click();
    await admin.locator(`tr[data-department="${name}"]`).waitFor();
  }
  // A duplicate is refused in Japanese.
  await admin.getByLabel('新しい部署名').fill('総務課');
  await admin.getByRole('button', { name: '追加' }).click();
  await admin.getByRole('alert').filter({ hasText: '部署「総務課」は既にあります。' }).waitFor();
});

test('the administrator creates two 一般 users with different permissions', async () => {
  for (const [username, user] of Object.entries(users)) {
    await admin.goto(`${server.baseUrl}/admin/staff/new`);
    await hydrated(admin);
    await admin.getByLabel('ユーザー名（ログインに使います）').fill(username);
    await admin.getByLabel('初期パスワード', { exact: true }).fill(user.initial);
    await admin.getByLabel('初期パスワード（確認）').fill(user.initial);
    await admin.getByRole('group', { name: '所属部署' }).getByLabel(user.department).check();
    for (const [feature, action] of user.grants) {
      await admin.getByTestId('permissions').locator('tr', { hasText: feature }).getByLabel(action).check();
    }
    await admin.getByRole('button', { name: '追加' }).click();
    await admin.waitForURL(/\/admin\/staff\/\d+\?saved=created/);
    await admin.getByText('アカウントを追加しました。').waitFor();
  }
  await admin.goto(`${server.baseUrl}/admin/staff`);
  const rows = admin.getByTestId('accounts');
  await rows.locator('tr[data-username="sato"]').filter({ hasText: '総務課' }).filter({ hasText: 'パスワード変更待ち' }).waitFor();
  await rows.locator('tr[data-username="suzuki"]').filter({ hasText: '福祉課' }).waitFor();
  await admin.screenshot({ path: `${shots}staff-accounts.png` });
});

test('a new user must change the initial password, then sees only what they may use', async () => {
  for (const [username, user] of Object.entries(users)) {
    const page = await newPage();
    user.page = page;
    await signIn(page, username, user.initial);
    await page.waitForURL('**/admin/password');
    await page.getByTestId('password-required').waitFor();
    // Other pages lead back here until the password is changed.
    await page.goto(`${server.baseUrl}/admin/templates`);
    assert.equal(new URL(page.url()).pathname, '/admin/password');
    await hydrated(page);
    await page.getByLabel('現在のパスワード').fill(user.initial);
    await page.getByLabel('新しいパスワード', { exact: true }).fill('password1234');
    await page.getByLabel('新しいパスワード（確認）').fill('password1234');
    await page.getByRole('button', { name: '変更する' }).click();
    await page.getByRole('alert').filter({ hasText: 'よく使われていて推測されやすい' }).waitFor();
    await page.getByLabel('新しいパスワード', { exact: true }).fill(user.own);
    await page.getByLabel('新しいパスワード（確認）').fill(user.own);
    await page.getByRole('button', { name: '変更する' }).click();
    await page.waitForURL('**/admin?password_changed=1');
  }
  // 画像 (the media library) comes with 定型文's permission: the images templates use.
  assert.deepEqual(await menu(users.sato.page), ['ダッシュボード', '定型文', '画像']);
  assert.deepEqual(await menu(users.suzuki.page), ['ダッシュボード', '定型文', '画像', '友だち']);
  const refused = await users.sato.page.goto(`${server.baseUrl}/admin/staff`);
  assert.equal(refused.status(), 403);
});

test('each user sees only their own department\'s templates', async () => {
  const sato = users.sato.page;
  await sato.goto(`${server.baseUrl}/admin/templates`);
  await hydrated(sato);
  await sato.getByRole('link', { name: '定型文を作成' }).click();
  await sato.getByRole('heading', { name: '定型文の作成' }).waitFor();
  // The only department is chosen; the owner is shown.
  assert.equal(await sato.getByLabel('所属部署').inputValue() !== '', true);
  await sato.getByLabel('件名').fill('年末年始のごみ収集');
  await sato.locator('#f-messages-0-text').fill('12月29日から1月3日までは収集しません。');
  await sato.locator('.composer-preview').getByText('12月29日から1月3日までは収集しません。').first().waitFor();
  await sato.getByRole('button', { name: '保存' }).click();
  await sato.waitForURL(/\/admin\/templates\/\d+\?saved=1/);
  await sato.getByTestId('template-owner').filter({ hasText: '所属部署：総務課' }).waitFor();
  templateUrl = sato.url().split('?')[0];

  const suzuki = users.suzuki.page;
  await suzuki.goto(`${server.baseUrl}/admin/templates`);
  await suzuki.getByText('定型文はまだありません。').waitFor();
  await suzuki.goto(templateUrl);
  await suzuki.getByRole('alert').filter({ hasText: '指定された定型文はありません。' }).waitFor();
  // 閲覧 only: no create button is of use — the server refuses a save.
  await admin.goto(`${server.baseUrl}/admin/templates`);
  await admin.getByTestId('templates').locator('tr', { hasText: '年末年始のごみ収集' }).filter({ hasText: '総務課' }).waitFor();
});

test('with an allowlist, a request from another address is refused', async () => {
  await admin.goto(`${server.baseUrl}/admin/settings/allowed-ips`);
  await hydrated(admin);
  await admin.getByTestId('allow-all-warning').waitFor();
  // A range that leaves the administrator out is refused with an explanation.
  await admin.getByLabel(/^IPアドレスまたは CIDR/).fill('192.0.2.0/24');
  await admin.getByRole('button', { name: '追加' }).click();
  await admin.getByRole('alert').filter({ hasText: '127.0.0.1' }).waitFor();
  await admin.getByLabel(/^IPアドレスまたは CIDR/).fill('127.0.0.1');
  await admin.getByLabel(/^備考/).fill('庁内（テスト）');
  await admin.getByRole('button', { name: '追加' }).click();
  await admin.getByTestId('allowed-ips').locator('tr', { hasText: '127.0.0.1/32' }).waitFor();

  const outsider = await browser.newContext({ extraHTTPHeaders: { 'X-Forwarded-For': '203.0.113.9' } });
  const page = await outsider.newPage();
  const refused = await page.goto(`${server.baseUrl}/admin/login`);
  assert.equal(refused.status(), 403);
  assert.match(await page.textContent('body'), /接続元/);
  const health = await page.goto(`${server.baseUrl}/healthz`);
  assert.equal(health.status(), 200, 'health checks are not behind the allowlist');
  await outsider.close();
});

test('every sign-in is in the login history and every change in the audit log', async () => {
  await admin.goto(`${server.baseUrl}/admin/logs`);
  await hydrated(admin);
  const history = admin.getByTestId('login-history');
  for (const username of ['sato', 'suzuki', ADMIN.username]) {
    await history.locator('tr', { hasText: username }).first().waitFor();
  }
  await admin.goto(`${server.baseUrl}/admin/logs/audit`);
  const audit = admin.getByTestId('audit-log');
  for (const action of ['department.create', 'account.create', 'account.change_password', 'template.create', 'allowlist.add']) {
    await audit.locator('tr', { hasText: action }).first().waitFor();
  }
  await admin.screenshot({ path: `${shots}audit-log.png`, fullPage: true });
});

test('an administrator disables an account: its session ends at once', async () => {
  await admin.goto(`${server.baseUrl}/admin/staff`);
  await hydrated(admin);
  await admin.getByTestId('accounts').getByRole('link', { name: 'suzuki' }).click();
  await admin.getByTestId('account-status').filter({ hasText: '有効' }).waitFor();
  await admin.getByRole('button', { name: 'このアカウントを無効にする' }).click();
  // The page reads the account again: no reload needed to see the new state.
  await admin.getByTestId('account-status').filter({ hasText: '無効' }).waitFor();
  await admin.getByRole('button', { name: 'このアカウントを有効にする' }).waitFor();
  const suzuki = users.suzuki.page;
  await suzuki.goto(`${server.baseUrl}/admin/templates`);
  assert.equal(new URL(suzuki.url()).pathname, '/admin/login');
});

test('machidayori audit verify finds the audit log intact', async () => {
  const verify = server.cli(['audit', 'verify']);
  assert.equal(verify.status, 0, `${verify.stdout}${verify.stderr}`);
});

test('no page broke the Content-Security-Policy', async () => {
  assert.deepEqual(violations, []);
});
