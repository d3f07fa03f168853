// Scratch checks of the delivery pages (delivery-ui helper; not part of the suite: deleted after).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server, browser, page;
const errors = [];
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (e) => errors.push(String(e)) });
});
after(async () => { await browser?.close(); await server?.stop(); });
async function open(p) { await page.goto(`${server.baseUrl}${p}`); await hydrated(page); }
async function axe() {
  await page.evaluate(axeSource);
  const r = await page.evaluate(() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }));
  return r.violations.filter((v) => v.id !== 'label-content-name-mismatch').map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
const shot = (n) => page.screenshot({ path: `/tmp/dui/${n}.png`, fullPage: true });

test('repeat delivery, calendar, dialogs and focus', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('環境課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/simulator');
  await page.getByLabel('表示名').fill('山田 花子');
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name: '山田 花子', exact: true }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  await hydrated(page);
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();

  await open('/admin/deliveries');
  await page.getByTestId('deliveries-empty').waitFor();
  await page.getByTestId('calendar-tab').click();
  await page.getByTestId('delivery-calendar').waitFor();
  assert.deepEqual(await axe(), [], 'empty calendar');
  await open('/admin/deliveries/new');
  await page.getByLabel('件名（管理用）').fill('ごみ収集日のお知らせ');
  await page.locator('#f-messages-0-text').fill('明日は燃えるごみの日です。');
  await page.getByTestId('target').getByLabel('すべての友だち').check();
  const timing = page.getByTestId('timing');
  await timing.getByLabel('繰り返し').check();
  await timing.getByLabel('毎週').check();
  await timing.getByLabel('火曜日').check();
  await timing.getByLabel('金曜日').check();
  await page.locator('#timing-repeat-time').fill('07:00');
  await page.locator('#timing-except-new').fill('2026-12-29');
  await page.getByTestId('add-except').click();
  await page.getByTestId('except-dates').getByText('2026-12-29').waitFor();
  await timing.getByLabel('毎月').check();
  await timing.getByLabel('15日').check();
  await timing.getByLabel('毎週').check();
  assert.ok(await timing.getByLabel('金曜日').isChecked(), 'weekdays kept across switching');
  await page.locator('.delivery-audience [data-testid="audience-count"]').waitFor();
  assert.deepEqual(await axe(), [], 'new repeated delivery');
  await shot('repeat-new');
  // Confirmation: opens with focus on 戻る, closes back to the button.
  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByRole('heading', { name: '予約の確認' }).waitFor();
  await dialog.getByTestId('confirm-audience').filter({ hasText: /^1 人（/ }).waitFor();
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  console.error('focus in dialog:', focused);
  assert.deepEqual(await axe(), [], 'confirm dialog');
  await shot('repeat-confirm');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  const back = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  console.error('focus after Esc:', back);
  assert.equal(back, 'open-confirm');
  await page.getByTestId('open-confirm').click();
  await dialog.getByTestId('confirm-audience').filter({ hasText: /^1 人（/ }).waitFor();
  await dialog.getByTestId('confirm-send').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?scheduled=1/);
  await hydrated(page);
  const path = new URL(page.url()).pathname;
  await page.getByTestId('delivery-head').locator('[data-status="scheduled"]').waitFor();
  await page.getByTestId('next-at').waitFor();
  console.error('next:', await page.getByTestId('next-at').innerText());
  // Edit while scheduled, then a stale save from a second tab is refused.
  const other = await page.context().newPage();
  await other.goto(`${server.baseUrl}${path}`);
  await hydrated(other);
  await page.getByLabel('件名（管理用）').fill('ごみ収集日のお知らせ（可燃）');
  await page.getByTestId('save-delivery').click();
  await page.getByTestId('delivery-outcome').filter({ hasText: '保存しました。' }).waitFor();
  await other.getByLabel('件名（管理用）').fill('別の職員の変更');
  await other.getByTestId('save-delivery').click();
  const refused = await other.getByTestId('delivery-error').innerText();
  console.error('stale save:', refused);
  assert.match(refused, /変更されました/);
  await other.screenshot({ path: '/tmp/dui/conflict.png', fullPage: true });
  await other.close();
  // Copy.
  await page.getByTestId('copy-delivery').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?copied=1/);
  await hydrated(page);
  await page.getByRole('heading', { name: /（コピー）/ }).waitFor();
  await page.getByTestId('delivery-head').locator('[data-status="draft"]').waitFor();
  // Calendar shows the repeat's occurrences.
  await open('/admin/deliveries?view=calendar');
  await page.getByTestId('delivery-calendar').waitFor();
  let links = await page.getByTestId('delivery-calendar').getByRole('link').count();
  if (links === 0) {
    await page.getByRole('link', { name: '次の月 →' }).click();
    await page.getByTestId('delivery-calendar').waitFor();
    links = await page.getByTestId('delivery-calendar').getByRole('link').count();
  }
  console.error('calendar links:', links);
  assert.ok(links > 0);
  assert.deepEqual(await axe(), [], 'calendar');
  await shot('calendar');
  await open('/admin/deliveries?status=scheduled');
  await page.getByTestId('delivery-summary').filter({ hasText: '1 件' }).waitFor();
  await open('/admin/deliveries?q=' + encodeURIComponent('存在しない'));
  await page.getByTestId('deliveries-empty').waitFor();
  assert.deepEqual(await axe(), [], 'empty filtered list');
  await open('/admin/deliveries');
  await shot('list');
  assert.deepEqual(await axe(), [], 'list');
  assert.deepEqual(errors, []);
});
