// アンケート as a new member of staff and a citizen try it (issue 15's "done means"), in a real
// browser against the real server and its built-in LINE sandbox. Staff fill in the city's
// districts, open the starter 属性アンケート, add a photo question, change the button colour (the
// preview, which is the citizens' page itself, follows; a low-contrast colour is warned about),
// save version 2 and open it. A simulated friend opens the LIFF link from 「LINEシミュレーター」
// on a 375 px phone: the ID token is minted by the sandbox and verified by the server; the page
// cannot send without consent, shows errors beside their fields, takes a photo, and reopened
// shows the answers; the friend changes 地区. Staff see both versions of the answer, the
// aggregate, the photo and the friend's attributes updated, and download the CSV (UTF-8 with a
// byte-order mark). axe finds no violation on the builder, the answers page and the citizen's
// page. Screenshots: test-results/surveys-*.png (admin 1366 px, LIFF 375 px).
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const TITLE = '属性アンケート（受信設定）';
const PHOTO_QUESTION = '自宅周辺の写真（任意）';
const BUTTON_COLOUR = '#8B2252';

let server;
let browser;
let page;
let phone;
const pageErrors = [];
let surveyPath;
let link;
let friendUser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function open(p, pathname) {
  await p.goto(`${server.baseUrl}${pathname}`);
  await hydrated(p);
}

async function axe(p) {
  await p.evaluate(axeSource);
  const result = await p.evaluate(() =>
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

/// Calls a server function from the signed-in page, as its forms do.
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

test('a department and the city\'s districts; the starter 属性アンケート is there', async () => {
  await open(page, '/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  // お住まいの地区 (the second starter attribute) has no options until the city adds its own.
  await call('attributes/save', { id: '2', label: 'お住まいの地区', kind: 'single_choice', new_options: '北区\n南区\n中央区' });
  await open(page, '/admin/surveys');
  const row = page.getByTestId('surveys').locator('tr', { hasText: TITLE });
  await row.waitFor();
  assert.match(await row.innerText(), /下書き/);
  await page.screenshot({ path: `${shots}surveys-list.png`, fullPage: true });
  assert.deepEqual(await axe(page), [], 'the survey list has no accessibility violations');
  await row.getByRole('link', { name: TITLE }).click();
  await page.waitForURL(/\/admin\/surveys\/\d+$/);
  await hydrated(page);
  surveyPath = new URL(page.url()).pathname;
});

test('staff add a photo question and change the button colour; the preview follows; version 2 opens', async () => {
  const preview = page.frameLocator('[data-testid="survey-preview"]');
  // The districts are the question's choices (bound to the attribute), in the preview too.
  await preview.getByText('北区').waitFor();
  await preview.locator('legend', { hasText: 'お住まいの地区' }).waitFor();

  await page.locator('#survey-new-kind').selectOption('upload');
  await page.getByTestId('add-question').click();
  const card = page.locator('[data-question]').last();
  await card.getByLabel('質問文').fill(PHOTO_QUESTION);
  await preview.getByText(PHOTO_QUESTION).waitFor();
  // Keyboard reordering: up one place, then back down.
  await card.getByRole('button', { name: `「${PHOTO_QUESTION}」を上へ` }).click();
  await page.locator('[data-question]').last().getByRole('button', { name: /を下へ/ }).isDisabled();
  await page.getByRole('button', { name: `「${PHOTO_QUESTION}」を下へ` }).click();
  assert.equal(await page.locator('[data-question]').last().getByLabel('質問文').inputValue(), PHOTO_QUESTION);

  // A pale button colour is warned about with its ratio; the city's colour passes.
  const colour = page.locator('#survey-button-colour');
  await colour.fill('#9FD9B8');
  await colour.press('Tab');
  await page.getByTestId('contrast-warning').getByText(/ボタンの文字色とボタンの色のコントラスト比が \d\.\d:1/).waitFor();
  await colour.fill(BUTTON_COLOUR);
  await colour.press('Tab');
  await eventually(async () => (await page.getByTestId('contrast-warning').count()) === 0, 'the warning goes');
  await eventually(async () => {
    const bg = await preview.locator('#send').evaluate((b) => getComputedStyle(b).backgroundColor);
    return bg === 'rgb(139, 34, 82)' || bg;
  }, 'the preview\'s button takes the colour');

  await page.getByTestId('save-survey').click();
  await page.getByTestId('survey-saved').getByText('第2版として保存しました').waitFor();
  await page.getByTestId('open-survey').click();
  await page.getByTestId('survey-state').getByText('受付中').waitFor();
  link = await page.getByTestId('survey-link').inputValue();
  assert.match(link, /^https:\/\/liff\.line\.me\/[^/]+\/surveys\/\d+$/);
  await page.screenshot({ path: `${shots}surveys-builder.png`, fullPage: true });
  // The link goes into a template (and a delivery, or the greeting) in one click.
  await page.getByRole('link', { name: 'このリンクで定型文を作る' }).click();
  await page.waitForURL(/\/admin\/templates\/new\?text=/);
  await hydrated(page);
  const text = page.locator('#f-messages-0-text');
  await text.waitFor();
  assert.match(await text.inputValue(), new RegExp(`アンケートにご協力ください。\n${link.replace(/[.?]/g, '\\$&')}`));
  await open(page, surveyPath);
  assert.deepEqual(await axe(page), [], 'the builder (with its preview) has no accessibility violations');
});

test('a friend opens it from the simulator on a phone, cannot send without consent, answers with a photo', async () => {
  const friend = await call('simulator/create_friend', { channel: 'main', display_name: '市民 花子' });
  friendUser = friend.user_id;
  await call('simulator/act', { channel: 'main', user_id: friendUser, act: 'follow' });
  await open(page, '/admin?ch=main');
  await eventually(async () => (await page.getByTestId('friends-following').innerText()).trim() === '1', 'the friend is registered');

  phone = await adminPage(server, browser, { width: 375, onError: (err) => pageErrors.push(String(err)) });
  const opened = `${server.baseUrl}/admin/simulator/liff?ch=main&user=${encodeURIComponent(friendUser)}&url=${encodeURIComponent(link)}`;
  await phone.goto(opened);
  // The shell verifies the sandbox's ID token and reloads into the form.
  await phone.getByRole('heading', { name: TITLE }).waitFor();
  assert.equal(new URL(phone.url()).hash, '', 'the token is taken out of the address');
  assert.equal(await phone.locator('script[src*="/pkg/"]').count(), 0, 'no admin bundle on the citizen page');

  const send = phone.locator('#send');
  assert.equal(await send.isDisabled(), true, 'cannot send before consenting');
  await phone.getByLabel('上記に同意して回答する').check();
  assert.equal(await send.isDisabled(), false);
  // 地区 is required: the error is beside the field and focus moves to it.
  await send.click();
  await phone.getByText('入力内容を確認してください（1件）').waitFor();
  await phone.locator('#f-q2-err, .err').first().waitFor();
  assert.equal(await phone.evaluate(() => document.activeElement?.getAttribute('name')), 'q.q2');
  await phone.screenshot({ path: `${shots}surveys-liff-errors.png`, fullPage: true });

  await phone.getByLabel('北区').check();
  await phone.getByLabel('年', { exact: true }).selectOption('1980');
  await phone.getByLabel('月', { exact: true }).selectOption('4');
  await phone.getByLabel('女性').check();
  await phone.getByLabel('防災・防犯').check();
  await phone.getByLabel('子育て・教育').check();
  const photo = await phone.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 240;
    const g = c.getContext('2d');
    g.fillStyle = '#2f7d5b';
    g.fillRect(0, 0, 320, 240);
    g.fillStyle = '#ffffff';
    g.fillRect(40, 60, 240, 120);
    return c.toDataURL('image/png').split(',')[1];
  });
  await phone.locator('input[type="file"]').setInputFiles({ name: '自宅前.png', mimeType: 'image/png', buffer: Buffer.from(photo, 'base64') });
  assert.equal(await phone.getByLabel('上記に同意して回答する').isChecked(), true, 'consent kept');
  await phone.screenshot({ path: `${shots}surveys-liff-form.png`, fullPage: true });
  assert.deepEqual(await axe(phone), [], 'the citizen\'s page has no accessibility violations');
  await send.click();
  await phone.getByText('回答を送信しました。').waitFor();
  // Outside LINE's app the page says to close it (the sandbox has no LIFF window to close).
  await phone.locator('#liff-close-hint').waitFor({ state: 'visible' });
  await phone.screenshot({ path: `${shots}surveys-liff-done.png`, fullPage: true });
  assert.deepEqual(await axe(phone), [], 'the completion page has no accessibility violations');
});

test('reopened, the answers are there; the friend changes 地区', async () => {
  await phone.getByRole('link', { name: '回答を確認・変更する' }).click();
  await phone.getByRole('heading', { name: TITLE }).waitFor();
  await phone.getByText(/に回答済みです/).waitFor();
  assert.equal(await phone.getByLabel('北区').isChecked(), true);
  assert.equal(await phone.getByLabel('防災・防犯').isChecked(), true);
  assert.equal(await phone.getByLabel('年', { exact: true }).inputValue(), '1980');
  await phone.getByText('自宅前.png').waitFor();
  assert.equal(await phone.getByLabel('上記に同意して回答する').isChecked(), true, 'consented to this text before');
  await phone.getByLabel('南区').check();
  await phone.getByRole('button', { name: '回答を更新する' }).click();
  await phone.getByText('回答を送信しました。').waitFor();
});

test('staff see both versions, the aggregate, the photo and the friend\'s attributes, and export the CSV', async () => {
  await open(page, `${surveyPath}/answers`);
  const tally = page.getByTestId('survey-tally');
  const district = tally.locator('article', { hasText: 'お住まいの地区' });
  assert.match(await district.innerText(), /南区\s+1\s+100\.0%/);
  assert.match(await district.innerText(), /北区\s+0/);
  const row = page.getByTestId('respondents').locator('tr', { hasText: '市民 花子' });
  assert.match(await row.innerText(), /南区/);
  // The photo, served to staff only.
  const thumb = row.locator('img.answer-thumb');
  await thumb.waitFor();
  assert.ok(await thumb.evaluate((img) => img.complete && img.naturalWidth === 320), 'the photo loads');
  // Both answers, oldest last.
  await row.getByText('2回回答').click();
  const history = row.getByTestId('answer-history').locator('li');
  await history.first().waitFor();
  assert.equal(await history.count(), 2);
  assert.match(await history.nth(0).innerText(), /南区/);
  assert.match(await history.nth(1).innerText(), /北区/);
  // 絞り込み: those who chose 北区 now — nobody (花子 moved to 南区).
  await page.locator('#respondents-filter').selectOption({ label: 'お住まいの地区：北区' });
  await page.getByTestId('respondents-filter').getByRole('button', { name: '絞り込む' }).click();
  await page.getByRole('heading', { name: '回答者（0人）' }).waitFor();
  await page.locator('#respondents-filter').selectOption({ label: 'お住まいの地区：南区' });
  await page.getByTestId('respondents-filter').getByRole('button', { name: '絞り込む' }).click();
  await page.getByRole('heading', { name: '回答者（1人）' }).waitFor();
  await hydrated(page);
  await page.getByTestId('respondents').locator('tr', { hasText: '市民 花子' }).getByText('2回回答').click();
  await page.screenshot({ path: `${shots}surveys-answers.png`, fullPage: true });
  assert.deepEqual(await axe(page), [], 'the answers page has no accessibility violations');

  const csv = await page.request.get(`${server.baseUrl}${surveyPath}/answers.csv`);
  assert.equal(csv.status(), 200);
  const bytes = await csv.body();
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark');
  const text = bytes.toString('utf8');
  assert.match(text.split('\r\n')[0], /お住まいの地区/);
  assert.match(text, /市民 花子/);
  assert.match(text, /南区/);
  assert.match(text, /自宅前\.png/);

  // The friend's attributes come from the survey.
  await row.getByRole('link', { name: '市民 花子' }).click();
  await page.waitForURL(/\/admin\/friends\/\d+/);
  await hydrated(page);
  const districtField = page.getByLabel('お住まいの地区', { exact: true });
  await districtField.waitFor();
  assert.equal(await districtField.evaluate((s) => s.selectedOptions[0]?.textContent.trim()), '南区');
  // The history says where the value came from.
  await page.getByRole('cell', { name: 'アンケート' }).first().waitFor();
  assert.deepEqual(pageErrors, []);
});
