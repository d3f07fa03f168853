// The survey page with LINE's own LIFF SDK (the pinned `@line/liff` from npm, served from our
// origin) and LINE's mock plugin (`@line/liff-mock`), as `LIFF_SDK_MOCK=true` serves it to
// sandbox channels: the SDK's `init` and `getIDToken` run, the server verifies the sandbox's ID
// token, and the citizen answers. A token LINE would refuse (expired, or a phone whose clock is
// wrong) shows a message and a one-tap 「もう一度読み込む」, never a blank page. Outside LINE's
// app, the completion page says to close it. Screenshots at 375 px: test-results/liff-*.png.
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
let link;
let user;

before(async () => {
  server = await startServer({ LIFF_SDK_MOCK: 'true' });
  browser = await launchBrowser();
  page = await adminPage(server, browser);
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function axe(p) {
  await p.evaluate(axeSource);
  const result = await p.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
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

/// A phone (375 px) of a citizen: no staff session of its own.
async function phone() {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, locale: 'ja-JP' });
  return context.newPage();
}

test('the starter survey is opened and a friend follows', async () => {
  await page.goto(`${server.baseUrl}/admin/staff/departments`);
  await hydrated(page);
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await call('attributes/save', { id: '2', label: 'お住まいの地区', kind: 'single_choice', new_options: '北区\n南区' });
  await page.goto(`${server.baseUrl}/admin/surveys`);
  await hydrated(page);
  await page.getByTestId('surveys').getByRole('link').first().click();
  await page.waitForURL(/\/admin\/surveys\/\d+$/);
  await hydrated(page);
  await page.getByTestId('save-survey').click();
  await page.getByTestId('survey-saved').waitFor();
  await page.getByTestId('open-survey').click();
  await page.getByTestId('survey-state').getByText('受付中').waitFor();
  link = await page.getByTestId('survey-link').inputValue();
  user = (await call('simulator/create_friend', { channel: 'main', display_name: '市民 太郎' })).user_id;
  await call('simulator/act', { channel: 'main', user_id: user, act: 'follow' });
});

test('with LINE\'s SDK and its mock, the page identifies the friend and takes the answer', async () => {
  // The simulator's LIFF opener needs a member of staff: it hands the page the friend's token.
  const staffPhone = await adminPage(server, browser, { width: 375 });
  const loaded = [];
  staffPhone.on('request', (r) => loaded.push(new URL(r.url()).pathname));
  const opener = `${server.baseUrl}/admin/simulator/liff?ch=main&user=${encodeURIComponent(user)}&url=${encodeURIComponent(link)}`;
  // The follow reaches the server through the webhook workers a moment later.
  for (let i = 0; ; i += 1) {
    await staffPhone.goto(opener);
    const form = staffPhone.getByRole('heading', { name: '属性アンケート（受信設定）' });
    const refused = staffPhone.locator('#liff-status', { hasText: '友だち追加' });
    await Promise.race([form.waitFor(), refused.waitFor()]);
    if (await form.isVisible()) break;
    assert.ok(i < 20, 'the friend is registered');
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.ok(loaded.includes('/liff/assets/sdk-mock.js'), `LINE's SDK with its mock was loaded: ${loaded.join(' ')}`);
  assert.ok(!loaded.some((p) => p.startsWith('/pkg/')), 'no admin bundle');
  await staffPhone.getByLabel('北区').check();
  await staffPhone.getByLabel('上記に同意して回答する').check();
  await staffPhone.locator('#send').click();
  await staffPhone.getByText('回答を送信しました。').waitFor();
  // The SDK says this is not LINE's app: no window to close, so the page says what to do.
  await staffPhone.locator('#liff-close-hint').waitFor({ state: 'visible' });
  assert.equal(await staffPhone.locator('#liff-close').isVisible(), false);
});

test('a token LINE refuses shows a message and 「もう一度読み込む」', async () => {
  const citizen = await phone();
  const [, liffId, , number] = new URL(link).pathname.split('/');
  // A token for this channel's LINE Login (its id is in the LIFF id) that LINE did not sign, as an
  // expired one or one from a phone whose clock is wrong is refused.
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const aud = liffId.replace(/-sandbox$/, '');
  const forged = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ iss: 'https://access.line.me', aud, sub: user, exp: 1 })}.c2lnbmF0dXJl`;
  await citizen.goto(`${server.baseUrl}/liff/surveys/${number}#id_token=${forged}`);
  const status = citizen.locator('#liff-status');
  await status.getByText(/日時の設定を確認して/).waitFor();
  const retry = citizen.getByRole('button', { name: 'もう一度読み込む' });
  await retry.waitFor({ state: 'visible' });
  await citizen.screenshot({ path: `${shots}liff-retry.png`, fullPage: true });
  assert.deepEqual(await axe(citizen), [], 'the retry page has no accessibility violations');
  // Nothing of the survey was shown, and no session was made.
  assert.equal(await citizen.getByText('お住まいの地区').count(), 0);
  const cookies = await citizen.context().cookies();
  assert.equal(cookies.length, 0);
});
