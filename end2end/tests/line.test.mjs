// The LINE flow a new user tries without any LINE credentials: in 「LINEシミュレーター」 a
// simulated friend follows, receives the greeting, appears in 友だち, blocks, and shows as
// blocked. Real server (sandbox mode), real browser, real signed webhooks on loopback.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

let server;
let browser;
let page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { width: 1280, path: '/admin/settings' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const GREETING = 'まちだより市へようこそ。ごみ・防災・子育ての情報をお届けします。';

test('the admin shows the sandbox channel and its masked secrets', async () => {
  await page.getByTestId('channel-badge').filter({ hasText: '本番：main（サンドボックス）' }).waitFor();
  const card = page.locator('section[data-channel="main"]');
  await card.getByText('内蔵の LINE サンドボックス').waitFor();
  const text = await card.innerText();
  assert.match(text, /••••[0-9a-f]{4}/, 'secrets are masked');
});

test('a greeting that breaks LINE rules is refused in Japanese and one that fits is saved', async () => {
  await hydrated(page);
  const card = page.locator('section[data-channel="main"]');
  // The greeting is edited with the composer: its first message is a text.
  const text = card.locator('#f-messages-0-text');
  await text.fill('あ'.repeat(5001));
  // Said as staff type, next to the field and with its JSON path...
  await card.getByTestId('composer-status').filter({ hasText: '直すところが1件あります' }).waitFor();
  await card.getByText('messages[0].text: 1〜5000文字にしてください（現在5001文字）。').first().waitFor();
  // ...and refused the same way by the server.
  await card.getByTestId('save-greeting').click();
  await card.getByRole('alert').filter({ hasText: 'messages[0].text: 1〜5000文字にしてください' }).waitFor();
  await text.fill(GREETING);
  await card.getByTestId('composer-status').filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();
  await card.getByTestId('save-greeting').click();
  await card.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();
});

test('a simulated friend follows, is greeted, is listed, blocks and shows as blocked', async () => {
  await page.goto(`${server.baseUrl}/admin/simulator`);
  await hydrated(page);
  await page.getByText('これはシミュレーションです').waitFor();
  await page.getByLabel('表示名').fill('市民 花子');
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name: '市民 花子' }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();
  const greeting = page.locator('[data-testid="chat"] .from-account').filter({ hasText: GREETING });
  await greeting.waitFor({ timeout: 15_000 });
  await page.getByLabel('メッセージ', { exact: true }).fill('燃えるごみの日はいつですか');
  await page.getByRole('button', { name: '送信' }).click();
  await page.locator('[data-testid="chat"] .from-friend').filter({ hasText: '燃えるごみの日はいつですか' }).waitFor();
  await page.screenshot({ path: `${shots}simulator.png`, fullPage: true });

  await page.getByRole('link', { name: '友だち', exact: true }).click();
  await page.waitForURL('**/admin/friends');
  const row = page.locator('[data-testid="friends"] tbody tr').filter({ hasText: '市民 花子' });
  await row.getByText('友だち', { exact: true }).waitFor();
  await row.getByRole('link', { name: '市民 花子' }).click();
  await page.getByTestId('friend-events').getByText('燃えるごみの日はいつですか').waitFor();

  await page.goto(`${server.baseUrl}/admin/simulator`);
  await hydrated(page);
  await page.getByRole('link', { name: '市民 花子' }).click();
  await page.getByRole('button', { name: 'ブロック' }).click();
  await page.getByTestId('delivery').filter({ hasText: '200' }).waitFor();
  // The worker acts a moment after the webhook's answer.
  for (let i = 0; i < 50; i++) {
    await page.goto(`${server.baseUrl}/admin/friends?status=blocked`);
    const blocked = page.locator('[data-testid="friends"] tbody tr').filter({ hasText: '市民 花子' });
    if (await blocked.count() > 0) {
      await blocked.getByText('ブロック', { exact: true }).waitFor();
      await page.screenshot({ path: `${shots}friends.png`, fullPage: true });
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('the friend never showed as blocked');
});
