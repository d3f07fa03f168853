// セグメント配信 as a new member of staff does it, in a real browser against the real server and
// its built-in LINE sandbox: お住まいの地区 gets its options (那加…), five simulated friends
// follow and get different 地区 and 受け取りたい情報, a segment 「地区=那加 AND 受け取りたい情報 ∋
// 子育て・教育」 is built while its live count changes (3 → 2), two test recipients are registered
// (one inside the segment, one outside), a delivery with a text and that segment is saved, a test
// is sent to both and arrives marked in 「LINEシミュレーター」 (sender 「テスト配信」, 【テスト】 first),
// the delivery is scheduled two minutes ahead, cancelled (予約を解除), scheduled again for the
// nearest minute and sent while the page polls; then the friends in the segment have it once and
// the others not at all. The confirmation shows the audience and the channel's environment; axe
// finds no violation on the segments, test recipients and delivery pages. Screenshots at 1366 px:
// test-results/deliveries-*.png.
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

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
  if (process.env.E2E_DEBUG) page.on('console', (m) => console.error('console:', m.type(), m.text().slice(0, 400)));
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
  await page.screenshot({ path: `${shots}deliveries-${name}.png`, fullPage: true });
}

/// axe-core's WCAG 2.1 A/AA violations on the page as it is now.
async function axe() {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` — ${n.any[0].message}` : ''}`).join(', ')})`);
}

async function eventually(check, what, timeout = 15_000) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await check();
    if (last === true) return;
    if (Date.now() > end) assert.fail(`never true: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/// `at` (ms since the epoch) as the date and time fields show it in JST.
function jst(at) {
  const iso = new Date(at + 9 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16), at };
}

/// The first whole minute at least `leadSeconds` from now.
function minuteAhead(leadSeconds) {
  return jst(Math.ceil((Date.now() + leadSeconds * 1000) / 60_000) * 60_000);
}

const TEXT = '那加地区の子育て広場は12月6日（土）10時から那加福祉センターで開きます。';
const SEGMENT = '那加の子育て世帯';
const TITLE = '那加 子育て広場のお知らせ';

// Who the friends are: 地区 and 受け取りたい情報; `in` = in the segment.
const friends = {
  a: { name: '那加 一子', district: '那加', interests: ['子育て・教育'], in: true },
  b: { name: '那加 二郎', district: '那加', interests: ['子育て・教育', '防災・防犯'], in: true },
  c: { name: '那加 三郎', district: '那加', interests: ['防災・防犯'], in: false },
  d: { name: '鵜沼 四子', district: '鵜沼', interests: ['子育て・教育'], in: false },
  e: { name: '稲羽 五郎', district: null, interests: [], in: false },
};

/// Creates a user in the simulator who adds the account as a friend; their simulator URL.
async function addFriend(friend) {
  await open('/admin/simulator');
  await page.getByLabel('表示名').fill(friend.name);
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name: friend.name, exact: true }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  friend.sim = page.url();
  friend.userId = new URL(friend.sim).searchParams.get('user');
  await hydrated(page);
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();
}

test('a department, the 地区 options and five simulated friends with their attributes', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('子育て支援課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();

  // 友だち → 属性の設定 → お住まいの地区: the starter set has it with no option.
  await open('/admin/friends?ch=main');
  await page.getByRole('link', { name: '属性の設定' }).click();
  await page.waitForURL('**/admin/friends/attributes?ch=main');
  await hydrated(page);
  await page.getByTestId('attributes-table').locator('tr[data-attribute="district"]')
    .getByRole('link', { name: 'お住まいの地区' }).click();
  await page.waitForURL(/\/admin\/friends\/attributes\/\d+/);
  const form = page.getByTestId('attribute-form');
  await form.getByLabel('追加する選択肢（1行に1つ）').fill('那加\n鵜沼\n稲羽\n川島');
  await form.getByRole('button', { name: '保存' }).click();
  await form.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();

  for (const friend of Object.values(friends)) await addFriend(friend);
  // The worker records a follow a moment after the webhook's answer.
  const rows = page.locator('[data-testid="friends"] tbody tr');
  for (let i = 0; i < 50; i++) {
    await open('/admin/friends?ch=main');
    if (await rows.count() >= 5) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.equal(await rows.count(), 5);
  for (const friend of Object.values(friends)) {
    friend.url = await page.locator(`[data-testid="friends"] tbody tr[data-user="${friend.userId}"]`)
      .getByRole('link', { name: friend.name, exact: true }).getAttribute('href');
  }
  for (const friend of Object.values(friends)) {
    if (!friend.district && friend.interests.length === 0) continue;
    await open(friend.url);
    const section = page.getByTestId('friend-attributes');
    if (friend.district) await section.getByLabel('お住まいの地区').selectOption({ label: friend.district });
    const interests = section.getByRole('group', { name: '受け取りたい情報' });
    for (const label of friend.interests) await interests.getByLabel(label).check();
    await section.getByRole('button', { name: '属性を保存' }).click();
    await section.getByRole('status').filter({ hasText: '属性を保存しました。' }).waitFor();
  }
});

/// The live count the editor shows (「2人」 → 2), or what it shows instead.
async function liveCount() {
  const figure = page.getByTestId('audience-count');
  if (await figure.count() === 0) return (await page.getByTestId('audience').innerText()).trim();
  return Number((await figure.locator('strong').innerText()).replace(/[人,]/g, ''));
}

const segmentPages = {};

test('the segment 「地区=那加 AND 受け取りたい情報 ∋ 子育て・教育」 is built with a live count and saved', async () => {
  await open('/admin/segments?ch=main');
  await page.getByTestId('segments-empty').waitFor();
  await shot('segments-empty');
  await page.getByTestId('new-segment').click();
  await page.waitForURL('**/admin/segments/new*');
  await hydrated(page);
  await page.getByRole('heading', { name: 'セグメントの作成', level: 1 }).waitFor();
  await page.getByLabel('セグメント名').fill(SEGMENT);
  await page.getByLabel('説明（任意）').fill('那加地区に住み、子育て・教育の情報を受け取りたい人');

  const builder = page.getByTestId('rule-builder');
  const seen = [];
  const countIs = async (n) => {
    await eventually(async () => {
      const c = await liveCount();
      if (seen[seen.length - 1] !== c) seen.push(c);
      return c === n || c;
    }, `the live count shows ${n}`);
  };
  // Condition 1: 受け取りたい情報 has 子育て・教育 (a, b and d).
  await builder.getByRole('button', { name: '条件を追加' }).click();
  const drawn = await page.locator('#segment-rule-0-subject').waitFor({ timeout: 5_000 }).then(() => true, () => false);
  if (!drawn) {
    // The rule changed (the count panel names 条件1) but the builder drew nothing.
    segmentPages.builderBug = `RuleBuilder did not draw the added condition; the count panel says: ${(await page.getByTestId('audience').innerText()).replace(/\s+/g, ' ')}`;
    console.error(`BUG: ${segmentPages.builderBug}`);
    await saveSegmentAround();
  } else {
    await page.locator('#segment-rule-0-subject').selectOption({ label: '受け取りたい情報' });
    await builder.getByRole('group', { name: '条件1の選択肢' }).getByLabel('子育て・教育').check();
    await countIs(3);
    // Condition 2: 地区 is 那加 — the count drops to 2 as staff tick the box.
    await builder.getByRole('button', { name: '条件を追加' }).click();
    await page.locator('#segment-rule-1-subject').waitFor();
    await page.locator('#segment-rule-1-subject').selectOption({ label: 'お住まいの地区' });
    await builder.getByRole('group', { name: '条件2の選択肢' }).getByLabel('那加').check();
    await countIs(2);
    console.error('live counts seen while editing:', seen);
    // The sample names the two friends in the segment.
    const sample = page.getByTestId('audience-sample');
    await sample.getByText(friends.a.name).waitFor();
    await sample.getByText(friends.b.name).waitFor();
    assert.equal(await sample.getByText(friends.c.name).count(), 0);
    await shot('segment-new');
    assert.deepEqual(await axe(), [], 'the segment editor has no accessibility violations');
    await page.getByTestId('save-segment').click();
    await page.waitForURL(/\/admin\/segments\/\d+\?saved=1/);
    await hydrated(page);
  }
  segmentPages.editor = new URL(page.url()).pathname;
  await page.getByRole('heading', { name: `セグメント：${SEGMENT}` }).waitFor();
  await countIs(2);
  await shot('segment-editor');
  assert.deepEqual(await axe(), [], 'the saved segment\'s editor has no accessibility violations');

  await open('/admin/segments?ch=main');
  const row = page.getByTestId('segments').locator(`tr[data-segment="${SEGMENT}"]`);
  await row.waitFor();
  assert.equal((await row.locator('td.segment-count').innerText()).trim(), '2人');
  await shot('segments');
  assert.deepEqual(await axe(), [], 'the segments list has no accessibility violations');
  if (segmentPages.builderBug) assert.fail(`${segmentPages.builderBug} (the segment was saved through its server function so the rest of the flow could run)`);
});

/// Work-around for a builder that does not redraw: the delivery page's one-off builder is drawn
/// again each time 「この配信だけの条件を使う」 is ticked, so the same two conditions are made
/// there, the rule is read off its count request, and saved as the segment with the editor's
/// own server function (segments/save). Leaves the page on the saved segment's editor.
async function saveSegmentAround() {
  const department = await page.locator('#segment-department option[selected], #segment-department option').first().getAttribute('value');
  await open('/admin/deliveries/new?ch=main');
  await page.getByTestId('target').getByLabel('条件で絞り込む').check();
  const useRule = page.locator('#target-use-rule');
  const redraw = async () => { await useRule.uncheck(); await useRule.check(); };
  await useRule.check();
  const builder = page.getByTestId('rule-builder');
  await builder.getByRole('button', { name: '条件を追加' }).click();
  await redraw();
  await builder.getByRole('group', { name: '条件1の選択肢' }).getByLabel('子育て・教育').check();
  await builder.getByRole('button', { name: '条件を追加' }).click();
  await redraw();
  await page.locator('#delivery-rule-1-subject').selectOption({ label: 'お住まいの地区' });
  await redraw();
  let request;
  const record = (r) => { if (r.url().includes('segments/count_delivery')) request = r; };
  page.on('request', record);
  await builder.getByRole('group', { name: '条件2の選択肢' }).getByLabel('那加').check();
  // The last count asked holds both conditions with their options.
  await page.locator('.delivery-audience [data-testid="audience-count"] strong').filter({ hasText: /^2人$/ }).waitFor();
  page.off('request', record);
  const body = JSON.parse(request.postData());
  const rule = body.target.rule;
  assert.equal(JSON.stringify(rule).match(/option_ids/g)?.length, 2, JSON.stringify(rule));
  const url = request.url().replace('segments/count_delivery', 'segments/save');
  const saved = await page.evaluate(async ({ url, payload }) => {
    const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(payload) });
    return { status: r.status, text: await r.text() };
  }, { url, payload: { id: null, version: null, draft: { department_id: Number(department), name: SEGMENT, description: '那加地区に住み、子育て・教育の情報を受け取りたい人', rule } } });
  assert.equal(saved.status, 200, saved.text);
  const id = JSON.parse(saved.text).id;
  await open(`/admin/segments/${id}?ch=main`);
}

/// Registers `friend` as a test recipient named `name` in group `group`.
async function register(friend, name, group) {
  const panel = page.getByTestId('test-recipient-add-panel');
  await panel.locator(`label[data-friend="${friend.userId}"] input[type="radio"]`).check();
  await panel.getByLabel('名前', { exact: true }).fill(name);
  await panel.getByLabel('グループ（任意）').fill(group);
  await panel.getByTestId('add-test-recipient').click();
  await panel.getByText('テスト配信先に登録しました。').waitFor();
}

test('two test recipients are registered: one inside the segment, one outside', async () => {
  await open('/admin/test-recipients?ch=main');
  await page.getByTestId('test-recipients-empty').waitFor();
  await shot('test-recipients-empty');
  await register(friends.a, '子育て支援課 那加', '子育て支援課');
  await open('/admin/test-recipients?ch=main');
  await register(friends.d, '子育て支援課 鵜沼', '子育て支援課');
  await open('/admin/test-recipients?ch=main');
  await page.getByRole('heading', { name: '登録済みのテスト配信先（2件）' }).waitFor();
  await page.getByText('子育て支援課 那加').first().waitFor();
  await page.getByText('子育て支援課 鵜沼').first().waitFor();
  await shot('test-recipients');
  assert.deepEqual(await axe(), [], 'the test recipients page has no accessibility violations');
});

const delivery = {};

test('a delivery with a text and the segment is saved, and a test arrives marked in the simulator', async () => {
  await open('/admin/deliveries?ch=main');
  await page.getByTestId('deliveries-empty').waitFor();
  await page.getByTestId('new-delivery').click();
  await page.waitForURL('**/admin/deliveries/new*');
  await hydrated(page);
  await page.getByRole('heading', { name: '配信の作成', level: 1 }).waitFor();
  await page.getByLabel('件名（管理用）').fill(TITLE);
  // One department and one channel: both chosen already; the environment is shown.
  await page.locator('#delivery-channel-env').getByTestId('env-badge').waitFor();
  const text = page.locator('#f-messages-0-text');
  await text.waitFor();
  await text.fill(TEXT);
  const target = page.getByTestId('target');
  await target.getByLabel('条件で絞り込む').check();
  await target.getByRole('group', { name: /保存済みのセグメント/ }).getByLabel(SEGMENT).check();
  await page.getByRole('heading', { name: '配信対象の人数' }).waitFor();
  await page.locator('.delivery-audience [data-testid="audience-count"] strong').filter({ hasText: /^2人$/ }).waitFor();
  await shot('delivery-new');
  assert.deepEqual(await axe(), [], 'the new delivery page has no accessibility violations');

  await page.getByTestId('save-delivery').click();
  await page.waitForURL(/\/admin\/deliveries\/\d+\?saved=1/);
  await hydrated(page);
  delivery.path = new URL(page.url()).pathname;
  await page.getByRole('heading', { name: `配信：${TITLE}` }).waitFor();
  await page.getByTestId('delivery-head').locator('[data-status="draft"]').waitFor();

  // テスト配信 to both test recipients.
  await page.getByTestId('open-test-send').click();
  const dialog = page.getByTestId('test-send-dialog');
  await dialog.getByRole('heading', { name: 'テスト配信' }).waitFor();
  const chosen = dialog.getByLabel('テスト配信先を選ぶ');
  if (!(await chosen.isChecked())) await chosen.check();
  const list = dialog.getByRole('group', { name: 'テスト配信先', exact: true });
  await list.getByLabel('子育て支援課 那加').check();
  await list.getByLabel('子育て支援課 鵜沼').check();
  await shot('test-send');
  assert.deepEqual(await axe(), [], 'the test send dialog has no accessibility violations');
  await dialog.getByTestId('send-test').click();
  const result = dialog.getByTestId('test-send-result');
  await result.waitFor({ timeout: 15_000 });
  const said = await result.innerText();
  assert.match(said, /テスト/);
  assert.match(said, /子育て支援課 那加/);
  assert.match(said, /子育て支援課 鵜沼/);
  await dialog.getByRole('button', { name: '閉じる' }).click();
  // The history lists it with a テスト badge; the delivery is still a draft.
  await page.getByTestId('delivery-tests').locator('.test-badge').first().waitFor();
  await page.getByTestId('delivery-head').locator('[data-status="draft"]').waitFor();
});

/// What the account sent `friend`, as the simulator's chat shows it: each message's texts and
/// the initial its icon shows (null when drawn as a follow-up without an icon).
async function received(friend) {
  await page.goto(friend.sim);
  await hydrated(page);
  await page.getByTestId('chat').waitFor();
  await new Promise((r) => setTimeout(r, 300));
  return page.getByTestId('chat').locator('li.from-account').evaluateAll((items) => items.map((li) => ({
    texts: [...li.querySelectorAll('.lp-text')].map((t) => t.textContent.trim()),
    icon: li.querySelector('.lp-avatar')?.textContent.trim() ?? null,
  })));
}

const isTest = (m) => m.texts.some((t) => t.startsWith('【テスト】'));
const isDelivery = (m) => m.texts.some((t) => t === TEXT);

test('the test arrives marked (【テスト】 first, sender 「テスト配信」) to the two test recipients only', async () => {
  for (const key of ['a', 'd']) {
    let messages = [];
    await eventually(async () => {
      messages = await received(friends[key]);
      return messages.some(isTest) || messages;
    }, `${friends[key].name} receives the test`);
    const tests = messages.filter(isTest);
    assert.equal(tests.length, 1, `${friends[key].name} has one test message`);
    assert.ok(tests[0].texts[0].includes(TEXT), 'the test carries the delivery\'s text');
    assert.match(tests[0].texts[0], /^【テスト】\s*\n?/);
    assert.equal(messages.filter(isDelivery).length, 0, 'no production message yet');
    // The simulator draws LINE's `sender` as the icon's initial: 「テスト配信」 → テ.
    if (tests[0].icon !== null) assert.equal(tests[0].icon, 'テ');
    else console.error(`note: ${friends[key].name}'s test message is drawn as a follow-up without an icon; the sender name is not visible`);
    if (key === 'a') await shot('simulator-test');
  }
  for (const key of ['b', 'c', 'e']) {
    assert.equal((await received(friends[key])).filter(isTest).length, 0, `${friends[key].name} has no test`);
  }
});

/// The status the delivery page shows.
async function status() {
  return page.getByTestId('delivery-head').locator('[data-status]').first().getAttribute('data-status');
}

/// Opens the confirmation, checks it (audience 2, the sandbox channel), and schedules.
async function confirmSchedule(when) {
  await page.getByTestId('open-confirm').click();
  const dialog = page.getByTestId('confirm-dialog');
  await dialog.getByRole('heading', { name: '予約の確認' }).waitFor();
  await dialog.getByTestId('confirm-audience').filter({ hasText: /^2 人（/ }).waitFor();
  const facts = dialog.getByTestId('confirm-facts');
  const env = await facts.getByTestId('env-badge').innerText();
  assert.match(env, /サンドボックス|テスト|本番/);
  assert.match(await facts.innerText(), new RegExp(`${when.date} ${when.time}`));
  await shot('confirm');
  assert.deepEqual(await axe(), [], 'the confirmation has no accessibility violations');
  await dialog.getByTestId('confirm-send').click();
  await page.getByTestId('delivery-outcome').filter({ hasText: '予約しました' }).waitFor();
  await eventually(async () => (await status()) === 'scheduled', 'the delivery is 予約済み');
  // 予約する is gone (予約を解除 took its place): focus goes to the outcome, not to the page's body.
  await eventually(
    async () => (await page.evaluate(() => document.activeElement?.id)) === 'delivery-outcome',
    'focus is on the outcome once the dialog closes',
  );
  return env;
}

async function setTime(when) {
  const timing = page.getByTestId('timing');
  await timing.getByLabel('日時を指定').check();
  await page.locator('#timing-at-date').fill(when.date);
  await page.locator('#timing-at-time').fill(when.time);
}

test('scheduled two minutes ahead, cancelled, scheduled again, and sent while the page polls', async () => {
  assert.ok(delivery.path, 'the delivery was saved');
  await open(delivery.path);
  // Two minutes from now, as in the brief.
  const first = minuteAhead(120);
  await setTime(first);
  const env = await confirmSchedule(first);
  console.error('channel environment in the confirmation:', env);
  await page.getByTestId('next-at').waitFor();
  await shot('scheduled');

  // 解除.
  await page.getByTestId('cancel-delivery').click();
  await page.getByTestId('delivery-outcome').filter({ hasText: '予約を解除しました' }).waitFor();
  await eventually(async () => (await status()) === 'cancelled', 'the delivery is 取消');
  await shot('cancelled');

  // Again, for the nearest minute the form takes (any time still ahead).
  const second = minuteAhead(20);
  await setTime(second);
  await confirmSchedule(second);
  await open(delivery.path);
  assert.equal(await status(), 'scheduled');
  const wait = second.at - Date.now();
  console.error(`waiting ${Math.round(wait / 1000)} s for ${second.time} JST`);

  // Watch: the page polls (5 s while scheduled, 1 s while sending).
  const statuses = [];
  let sawProgress = false;
  const end = second.at + 90_000;
  for (;;) {
    const s = await status();
    if (statuses[statuses.length - 1] !== s) statuses.push(s);
    if (await page.getByTestId('delivery-progress').count() > 0) {
      sawProgress = true;
      await shot('progress').catch(() => {});
    }
    if (['sent', 'partly_failed', 'failed', 'stopped', 'missed'].includes(s)) break;
    if (Date.now() > end) assert.fail(`the delivery was not sent in time (statuses seen: ${statuses.join(' → ')})`);
    await new Promise((r) => setTimeout(r, 250));
  }
  console.error('statuses seen on the page:', statuses.join(' → '), sawProgress ? '(progress shown)' : '(sent between two polls; no progress bar seen)');
  assert.equal(statuses[statuses.length - 1], 'sent');
  const results = page.getByTestId('delivery-results');
  await results.waitFor();
  const run = results.locator('tbody tr').first();
  const cells = (await run.locator('td').allInnerTexts()).map((t) => t.trim());
  assert.equal(cells[2], '2 人', 'audience');
  assert.equal(cells[3], '2', 'sent');
  assert.equal(cells[4], '0', 'failed');
  assert.equal(cells[5], '0', 'not sent');
  await page.getByTestId('readonly-note').waitFor();
  await shot('sent');
  assert.deepEqual(await axe(), [], 'the sent delivery\'s page has no accessibility violations');
});

test('the friends in the segment received it once, the others not at all', async () => {
  for (const friend of Object.values(friends)) {
    let messages = [];
    if (friend.in) {
      await eventually(async () => {
        messages = await received(friend);
        return messages.some(isDelivery) || messages;
      }, `${friend.name} receives the delivery`);
    } else {
      messages = await received(friend);
    }
    assert.equal(messages.filter(isDelivery).length, friend.in ? 1 : 0, `${friend.name}: ${JSON.stringify(messages)}`);
    if (friend === friends.b) await shot('simulator-delivery');
  }
});

test('the list shows the sent delivery, and has no accessibility violations', async () => {
  await open('/admin/deliveries?ch=main');
  await page.getByTestId('delivery-summary').filter({ hasText: '1 件' }).waitFor();
  await page.getByRole('link', { name: TITLE }).waitFor();
  // Its time once, written as every date in the panel (not 「2026/11/28 9:05 送信 2026-11-28 09:05」).
  const timing = (await page.locator('tr[data-delivery] td').nth(4).innerText()).trim();
  assert.match(timing, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await shot('list');
  assert.deepEqual(await axe(), []);
  // This month's calendar has it on its day.
  await page.getByTestId('calendar-tab').click();
  await page.getByTestId('delivery-calendar').getByText(TITLE).first().waitFor();
  await shot('calendar');
  assert.deepEqual(await axe(), [], 'the calendar has no accessibility violations');
});

test('no page had a script error', () => {
  assert.deepEqual(pageErrors, []);
});
