// 友だち属性 as a city's member of staff uses them: the 地区 attribute gets its options, a
// friend's attributes are set by hand (with their history), a CSV file is imported — first with
// a mistake that is reported by line and changes nothing, then fixed and saved from Excel as
// Shift_JIS — the list is exported as UTF-8 and Shift_JIS CSV, and filtered by an attribute.
// Three friends come from the built-in LINE sandbox (「LINEシミュレーター」). Every new page is
// saved as test-results/attributes-*.png at 1366 px.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { ADMIN, adminPage, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });

let server;
let browser;
let page;
const pageErrors = [];

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { onError: (err) => pageErrors.push(String(err)) });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/// Text as Excel saves a 「CSV（コンマ区切り）」 file in Japanese Windows: Shift_JIS (CP932).
/// The table is read off the WHATWG Shift_JIS decoder (Node's TextDecoder), so no byte is written
/// by hand; a character it cannot encode fails the test rather than becoming `?`.
function shiftJis(text) {
  const decoder = new TextDecoder('shift_jis');
  const table = new Map();
  for (let lead = 0x81; lead <= 0xfc; lead++) {
    if (lead >= 0xa0 && lead < 0xe0) continue;
    for (let trail = 0x40; trail <= 0xfc; trail++) {
      if (trail === 0x7f) continue;
      const ch = decoder.decode(Uint8Array.of(lead, trail));
      if (ch.length === 1 && ch !== '\ufffd' && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  }
  const bytes = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) bytes.push(ch.charCodeAt(0));
    else if (table.has(ch)) bytes.push(...table.get(ch));
    else throw new Error(`${ch} has no Shift_JIS encoding`);
  }
  const buffer = Buffer.from(bytes);
  assert.equal(decoder.decode(buffer), text, 'the Shift_JIS file reads back as written');
  return buffer;
}

/// Creates a user in the simulator and has them add the account as a friend; their LINE user id.
async function addFriend(name) {
  await page.goto(`${server.baseUrl}/admin/simulator`);
  await hydrated(page);
  await page.getByLabel('表示名').fill(name);
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name, exact: true }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  const userId = new URL(page.url()).searchParams.get('user');
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();
  return userId;
}

/// Opens the friends list once it shows `expected` friends (the worker records a follow a
/// moment after the webhook's answer).
async function openFriendsList(expected) {
  for (let i = 0; i < 50; i++) {
    await page.goto(`${server.baseUrl}/admin/friends?ch=main`);
    await hydrated(page);
    if (await page.locator('[data-testid="friends"] tbody tr').count() >= expected) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`the friends list never showed ${expected} friends`);
}

/// The text of the option a `<select>` shows.
async function shown(select) {
  return (await select.evaluate((s) => s.selectedOptions[0]?.textContent ?? '')).trim();
}

/// Downloads what `link` points to, as the staff member's browser saves it.
async function download(link) {
  const [file] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(await file.failure(), null);
  return readFileSync(await file.path());
}

// Each friend: name, and once they follow, userId (LINE user id) and url (their detail page).
const friends = { hanako: { name: '市民 花子' }, taro: { name: '市民 太郎' }, jiro: { name: '市民 次郎' } };

test('three simulated friends follow the account and are listed with their LINE user ids', async () => {
  for (const friend of Object.values(friends)) friend.userId = await addFriend(friend.name);
  await openFriendsList(3);
  for (const friend of Object.values(friends)) {
    assert.match(friend.userId, /^U[0-9a-f]{32}$/);
    const row = page.locator(`[data-testid="friends"] tbody tr[data-user="${friend.userId}"]`);
    const link = row.getByRole('link', { name: friend.name, exact: true });
    friend.url = `${server.baseUrl}${await link.getAttribute('href')}`;
    assert.match(friend.url, /\/admin\/friends\/\d+\?ch=main$/);
  }
  // The list links to the attribute settings and the import.
  await page.getByRole('link', { name: '属性の設定' }).waitFor();
  await page.getByRole('link', { name: 'CSV 取込' }).waitFor();
});

test('the 地区 attribute gets its options in its editor', async () => {
  await page.getByRole('link', { name: '属性の設定' }).click();
  await page.waitForURL('**/admin/friends/attributes?ch=main');
  await page.getByRole('heading', { name: '友だち属性の設定', level: 1 }).waitFor();
  const table = page.getByTestId('attributes-table');
  // The starter set of the migration, in its order.
  for (const key of ['interests', 'district', 'birth_month', 'gender', 'receive_language']) {
    await table.locator(`tr[data-attribute="${key}"]`).waitFor();
  }
  await table.locator('tr[data-attribute="gender"]').filter({ hasText: '回答しない' }).waitFor();
  await page.getByTestId('new-attribute').waitFor();
  await hydrated(page);
  await table.locator('tr[data-attribute="district"]').getByRole('link', { name: 'お住まいの地区' }).click();
  await page.waitForURL(/\/admin\/friends\/attributes\/\d+/);
  await page.getByRole('heading', { name: '属性の編集：お住まいの地区' }).waitFor();
  const form = page.getByTestId('attribute-form');
  assert.equal(await form.locator('input[name="option_labels[]"]').count(), 0, '地区 starts with no option');
  assert.equal(await form.getByLabel('表示名').inputValue(), 'お住まいの地区');
  assert.equal(await shown(form.getByLabel('種類')), '単一選択');
  await form.getByLabel('追加する選択肢（1行に1つ）').fill('北地区\n南地区\n中央地区');
  await form.getByRole('button', { name: '保存' }).click();
  await form.getByRole('status').filter({ hasText: '保存しました。' }).waitFor();
  const labels = form.locator('input[name="option_labels[]"]');
  await labels.nth(2).waitFor();
  assert.deepEqual(
    await labels.evaluateAll((inputs) => inputs.map((i) => i.value)),
    ['北地区', '南地区', '中央地区'],
  );
  assert.equal(await form.locator('select[name="option_states[]"]').count(), 3);
  assert.equal(await form.getByLabel('追加する選択肢（1行に1つ）').inputValue(), '', 'the new options are emptied');
  await page.getByTestId('delete-attribute').waitFor();
  await page.screenshot({ path: `${shots}attributes-editor.png`, fullPage: true });

  await page.getByRole('link', { name: '← 友だち属性の設定' }).click();
  await page.waitForURL('**/admin/friends/attributes?ch=main');
  const district = page.getByTestId('attributes-table').locator('tr[data-attribute="district"]');
  for (const option of ['北地区', '南地区', '中央地区']) await district.getByText(option).waitFor();
  await page.screenshot({ path: `${shots}attributes-list.png`, fullPage: true });
});

test('a friend\'s 地区, interests and 生年月 are set by hand and recorded in the history', async () => {
  await page.goto(friends.hanako.url);
  await hydrated(page);
  await page.getByRole('heading', { name: friends.hanako.name, level: 1 }).waitFor();
  const section = page.getByTestId('friend-attributes');
  const district = section.getByLabel('お住まいの地区');
  await district.waitFor();
  assert.equal(await district.getAttribute('name'), 'choices[]');
  assert.equal(await shown(district), '未設定');
  assert.equal(await section.getByLabel('生年月').getAttribute('type'), 'month');
  await section.getByText('まだ変更はありません。').waitFor();

  await district.selectOption({ label: '北地区' });
  const interests = section.getByRole('group', { name: '受け取りたい情報' });
  await interests.getByLabel('防災・防犯').check();
  await interests.getByLabel('子育て・教育').check();
  await section.getByLabel('生年月').fill('1980-04');
  await section.getByRole('button', { name: '属性を保存' }).click();
  await section.getByRole('status').filter({ hasText: '属性を保存しました。' }).waitFor();

  const history = section.getByTestId('attribute-history').locator('tbody tr');
  const changed = (attribute, value) =>
    history.filter({ hasText: attribute }).filter({ hasText: value }).filter({ hasText: '職員' });
  await changed('お住まいの地区', '北地区').waitFor();
  await changed('受け取りたい情報', '防災・防犯').filter({ hasText: '子育て・教育' }).waitFor();
  await changed('生年月', '1980-04').waitFor();
  assert.equal(await history.count(), 3);
  await history.filter({ hasText: 'お住まいの地区' }).filter({ hasText: ADMIN.username }).waitFor();
  // The form shows what was saved.
  assert.equal(await shown(section.getByLabel('お住まいの地区')), '北地区');
  assert.equal(await interests.getByLabel('防災・防犯').isChecked(), true);
  assert.equal(await interests.getByLabel('ごみ・環境').isChecked(), false);
  assert.equal(await section.getByLabel('生年月').inputValue(), '1980-04');
  await page.screenshot({ path: `${shots}attributes-friend.png`, fullPage: true });
});

/// Uploads `file` on the import page and waits for its report.
async function upload(file) {
  await page.goto(`${server.baseUrl}/admin/friends/import?ch=main`);
  await hydrated(page);
  await page.getByRole('heading', { name: '友だち属性の CSV 取込', level: 1 }).waitFor();
  const form = page.getByTestId('import-form');
  await form.getByLabel('CSV ファイル').setInputFiles(file);
  await form.getByRole('button', { name: '確認する' }).click();
  await page.waitForURL(/\/admin\/friends\/imports\/\d+$/);
  await hydrated(page);
  await page.getByRole('heading', { name: '取込内容の確認', level: 1 }).waitFor();
  await page.getByTestId('import-summary').waitFor();
}

/// The report's 「友だち」「追加」… figures.
async function summary() {
  const stats = page.getByTestId('import-summary').locator('.stat');
  const figures = {};
  for (const stat of await stats.all()) {
    figures[(await stat.locator('dt').innerText()).trim()] = (await stat.locator('dd').innerText()).trim();
  }
  return figures;
}

test('a CSV file with an unknown 地区 is reported by line and changes nothing', async () => {
  const csv = [
    'line_user_id,district',
    `${friends.taro.userId},南地区`,
    `${friends.jiro.userId},西地区`,
    '',
  ].join('\r\n');
  await upload({ name: '地区.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
  const report = page.locator('dl.profile');
  await report.getByText('地区.csv').waitFor();
  await report.getByText('UTF-8', { exact: true }).waitFor();
  const problems = page.getByTestId('import-problems');
  await problems.getByText('取り込めない行が 1件あります。何も変更していません。').waitFor();
  const rows = problems.locator('tbody tr');
  assert.equal(await rows.count(), 1);
  const cells = (await rows.first().locator('td').allInnerTexts()).map((t) => t.trim());
  assert.equal(cells[0], '3');
  assert.equal(cells[1], 'B列（district）');
  assert.match(cells[2], /西地区/);
  assert.match(cells[2], /お住まいの地区/);
  assert.deepEqual(await summary(), { 友だち: '2人', 追加: '1件', 変更: '0件', 消去: '0件', 変更なし: '0件' });
  await page.getByTestId('import-summary').getByText('対象の属性：お住まいの地区').waitFor();
  assert.equal(await page.getByTestId('apply-import').count(), 0);
  assert.equal(await page.getByRole('button', { name: '取り込む' }).count(), 0);
  await problems.getByRole('link', { name: 'ファイルを直して、もう一度アップロードする' }).waitFor();
  await page.screenshot({ path: `${shots}attributes-import-problem.png`, fullPage: true });

  // 太郎's row was right, but nothing of the file was written.
  await page.goto(friends.taro.url);
  await hydrated(page);
  const section = page.getByTestId('friend-attributes');
  assert.equal(await shown(section.getByLabel('お住まいの地区')), '未設定');
  await section.getByText('まだ変更はありません。').waitFor();
});

test('the fixed file, saved from Excel as Shift_JIS, is checked and imported', async () => {
  // The header by label, as staff may write it; 花子's row repeats what she has.
  const csv = [
    'line_user_id,お住まいの地区',
    `${friends.hanako.userId},北地区`,
    `${friends.taro.userId},南地区`,
    `${friends.jiro.userId},南地区`,
    '',
  ].join('\r\n');
  await upload({ name: 'chiku-fixed.csv', mimeType: 'text/csv', buffer: shiftJis(csv) });
  await page.locator('dl.profile').getByText('Shift_JIS', { exact: true }).waitFor();
  assert.equal(await page.getByTestId('import-problems').count(), 0);
  assert.deepEqual(await summary(), { 友だち: '3人', 追加: '2件', 変更: '0件', 消去: '0件', 変更なし: '1件' });
  await page.getByTestId('import-summary').getByText('取り込むと変わる内容').waitFor();
  await page.screenshot({ path: `${shots}attributes-import-ready.png`, fullPage: true });
  await page.getByTestId('apply-import').getByRole('button', { name: '取り込む' }).click();
  await page.getByRole('status').filter({ hasText: '取り込みました。' }).waitFor();
  await page.getByTestId('import-applied').filter({ hasText: '取り込み済みです。' }).waitFor();
  await page.getByTestId('import-summary').getByText('取り込んだ内容').waitFor();
  assert.equal(await page.getByRole('button', { name: '取り込む' }).count(), 0);
  await page.screenshot({ path: `${shots}attributes-import-applied.png`, fullPage: true });

  await page.goto(friends.jiro.url);
  await hydrated(page);
  const section = page.getByTestId('friend-attributes');
  assert.equal(await shown(section.getByLabel('お住まいの地区')), '南地区');
  await section.getByTestId('attribute-history').locator('tbody tr')
    .filter({ hasText: 'お住まいの地区' }).filter({ hasText: '南地区' }).filter({ hasText: 'CSV取込' }).waitFor();
});

test('the import page explains the file format', async () => {
  await page.goto(`${server.baseUrl}/admin/friends/import?ch=main`);
  await hydrated(page);
  await page.getByRole('heading', { name: 'ファイルの書き方' }).waitFor();
  await page.getByRole('link', { name: 'ひな形をダウンロード（UTF-8）' }).waitFor();
  await page.screenshot({ path: `${shots}attributes-import.png`, fullPage: true });
});

/// The export's lines: header cells and each row's cells by LINE user id.
function parse(text) {
  const lines = text.split('\r\n');
  assert.equal(lines.pop(), '', 'the file ends with CRLF');
  assert.ok(lines.every((l) => !l.includes('\n') && !l.includes('\r')), 'every line ends with CRLF');
  const [header, ...rows] = lines.map((l) => l.split(','));
  const byUser = Object.fromEntries(rows.map((cells) => [cells[0], Object.fromEntries(header.map((h, i) => [h, cells[i]]))]));
  return { header, byUser };
}

test('the friends list is exported as UTF-8 (with BOM) and Shift_JIS CSV', async () => {
  await page.goto(`${server.baseUrl}/admin/friends?ch=main`);
  await hydrated(page);
  const utf8 = await download(page.getByTestId('export-utf8'));
  assert.deepEqual([...utf8.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with BOM, for Excel');
  const { header, byUser } = parse(utf8.subarray(3).toString('utf8'));
  assert.deepEqual(header.slice(0, 1), ['line_user_id']);
  for (const key of ['interests', 'district', 'birth_month', 'gender', 'receive_language']) assert.ok(header.includes(key), key);
  assert.equal(Object.keys(byUser).length, 3);
  assert.equal(byUser[friends.hanako.userId].district, '北地区');
  assert.equal(byUser[friends.hanako.userId].interests, '防災・防犯|子育て・教育');
  assert.equal(byUser[friends.hanako.userId].birth_month, '1980-04');
  assert.equal(byUser[friends.taro.userId].district, '南地区');
  assert.equal(byUser[friends.jiro.userId].district, '南地区');
  assert.equal(byUser[friends.taro.userId].interests, '');

  const sjis = await download(page.getByTestId('export-sjis'));
  assert.notDeepEqual([...sjis.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'no BOM in Shift_JIS');
  const decoded = parse(new TextDecoder('shift_jis', { fatal: true }).decode(sjis));
  assert.deepEqual(decoded.header, header);
  assert.deepEqual(decoded.byUser, byUser);
  assert.ok(sjis.includes(shiftJis('防災・防犯|子育て・教育')));
});

test('the friends list is filtered by 地区, and its export follows the filter', async () => {
  await page.goto(`${server.baseUrl}/admin/friends?ch=main`);
  await hydrated(page);
  const first = page.getByLabel('属性で絞り込み（1）');
  await first.waitFor();
  assert.equal(await first.getAttribute('name'), 'attributes');
  await first.selectOption({ label: 'お住まいの地区: 南地区' });
  await page.getByRole('button', { name: '検索' }).click();
  await page.waitForURL(/attributes=/);
  await page.getByTestId('friend-summary').filter({ hasText: '該当 2 人' }).waitFor();
  const rows = page.locator('[data-testid="friends"] tbody tr');
  assert.deepEqual(
    (await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.user))).sort(),
    [friends.taro.userId, friends.jiro.userId].sort(),
  );
  assert.equal(await shown(first), 'お住まいの地区: 南地区');
  await page.screenshot({ path: `${shots}attributes-friends-filter.png`, fullPage: true });

  const href = await page.getByTestId('export-utf8').getAttribute('href');
  assert.match(href, /[?&]attributes=/);
  const { byUser } = parse((await download(page.getByTestId('export-utf8'))).subarray(3).toString('utf8'));
  assert.deepEqual(Object.keys(byUser).sort(), [friends.taro.userId, friends.jiro.userId].sort());

  // 北地区 lists 花子 alone.
  await first.selectOption({ label: 'お住まいの地区: 北地区' });
  await page.getByRole('button', { name: '検索' }).click();
  await page.getByTestId('friend-summary').filter({ hasText: '該当 1 人' }).waitFor();
  assert.deepEqual(await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.user)), [friends.hanako.userId]);
});

test('no page had a script error', () => {
  assert.deepEqual(pageErrors, []);
});
