// 画像をつくる (issue 17): a member of staff with no image software composes a 6-area menu with
// icons and Japanese labels, in a real browser against the real server. The menu starts from
// 「くらしの6分割」; the label font is fetched only once the composer opens; the six areas start
// with the city's icons; staff change area 3's icon (by pointer and by keyboard), label and
// colours; a low-contrast choice is warned about in the composer and in the editor's checks;
// 「この画像を使う」 saves the menu and stores an image of exactly 2500×1686; reopening the page
// shows the composition again. axe finds no violation. Screenshots at 1366 px:
// test-results/rich-menu-composer-*.png.
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
let editorPath;
let menuId;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  page = await adminPage(server, browser, { width: 1366, onError: (err) => pageErrors.push(String(err)) });
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
  await page.screenshot({ path: `${shots}rich-menu-composer-${name}.png`, fullPage: true });
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

const fontRequests = () =>
  page.evaluate(() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/fonts/')).length);

const composer = () => page.getByTestId('menu-composer');
const areaFields = () => page.getByTestId('composer-area-fields');
const iconRadio = (name) => areaFields().getByRole('radio', { name, exact: true });

test('a department, and a menu saved from the 6-area preset', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await open('/admin/rich-menus/new');
  await page.getByRole('button', { name: /くらしの6分割/ }).click();
  await page.getByLabel('メニュー名（職員用）').fill('くらしのメニュー（つくった画像）');
  await page.getByTestId('save-menu').click();
  await page.waitForURL(/\/admin\/rich-menus\/\d+\?saved=1$/);
  await hydrated(page);
  editorPath = new URL(page.url()).pathname;
  menuId = editorPath.split('/').pop();
  // The label font is not fetched by the editor until the composer opens.
  assert.equal(await fontRequests(), 0, 'no font before the composer opens');
});

test('画像をつくる starts with the city icons and the label font', async () => {
  await page.getByLabel('画像をつくる').check();
  await composer().waitFor();
  await page.getByTestId('composer-font').getByText('BIZ UDPゴシック').waitFor();
  assert.ok((await fontRequests()) > 0, 'the font is fetched once the composer opens');
  assert.ok(
    await page.evaluate(() => document.fonts.check("700 20px 'BIZ UDPGothic'", 'ごみ・リサイクル')),
    'the label font can draw the labels',
  );
  // Each area of the preset has its icon.
  const expected = ['ごみ', '防災・安全', '書類・手続き', '子育て', 'イベント', '電話'];
  for (const [i, icon] of expected.entries()) {
    await page.getByLabel('編集するエリア').selectOption(String(i));
    await eventually(async () => (await iconRadio(icon).isChecked()) || `area ${i + 1}`, `area ${i + 1} has ${icon}`);
  }
  assert.equal(await page.getByLabel('画像に入れる文字').inputValue(), 'お問い合わせ');
});

test('area 3: a new icon (pointer and keyboard), label and colours; a low contrast is warned about', async () => {
  // Clicking the area on the live canvas selects it (areas 1-3 are the top row).
  const canvas = page.getByTestId('composer-canvas');
  const box = await canvas.boundingBox();
  await page.mouse.click(box.x + box.width * 0.83, box.y + box.height * 0.25);
  await areaFields().locator('legend').filter({ hasText: 'エリア3 手続き の見た目' }).waitFor();
  await areaFields().locator('label.composer-icon', { hasText: '申請' }).click();
  assert.ok(await iconRadio('申請').isChecked());
  // The arrow keys move through the icons, as radios do.
  await iconRadio('申請').focus();
  await page.keyboard.press('ArrowRight');
  assert.ok(await iconRadio('証明書').isChecked(), 'the next icon by keyboard');
  await page.keyboard.press('ArrowLeft');
  assert.ok(await iconRadio('申請').isChecked());

  await page.getByLabel('画像に入れる文字').fill('各種手続き');
  await areaFields().getByRole('radio', { name: '大', exact: true }).check();
  await areaFields().getByRole('button', { name: 'こん', exact: true }).click();
  await page.getByTestId('composer-contrast').getByText(/読みやすい色です/).waitFor();

  // A pale blue on navy is hard to read: the composer and the checks say so.
  await page.getByLabel('文字とアイコンの色').fill('#4f79b5');
  await page.getByTestId('composer-contrast').getByText(/読みにくい色です/).waitFor();
  await page.getByTestId('menu-checks').getByText(/エリア3の文字と背景のコントラストが [\d.]+:1 です（4.5:1 以上にしてください）/).waitFor();
  await shot('low-contrast');
  await page.getByLabel('文字とアイコンの色').fill('#ffffff');
  await eventually(async () => !(await page.getByTestId('menu-checks').innerText()).includes('コントラスト') || 'still warned', 'the warning goes');
});

test('「この画像を使う」 saves the menu and stores an image of exactly 2500×1686', async () => {
  await page.getByTestId('composer-use').click();
  const fitted = page.getByTestId('menu-image-fitted');
  await fitted.waitFor({ timeout: 60_000 });
  assert.match(await fitted.innerText(), /2500×1686 px/);
  const size = await page.evaluate(async (id) => {
    const res = await fetch(`/admin/rich-menus/${id}/image`);
    const bitmap = await createImageBitmap(await res.blob());
    return [bitmap.width, bitmap.height, res.headers.get('content-type')];
  }, menuId);
  assert.deepEqual(size.slice(0, 2), [2500, 1686], `stored image ${size}`);
  await eventually(async () => (await page.getByTestId('menu-checks').innerText()).includes('問題は見つかりません') || (await page.getByTestId('menu-checks').innerText()), 'no problems are left');
  // Nothing is left unsaved: the composer saved the design with the image.
  assert.equal(await page.getByText('保存していない変更があります').count(), 0);
  await shot('used');
  await page.getByTestId('composer-canvas').screenshot({ path: `${shots}rich-menu-composer-canvas.png` });
  await page.getByTestId('composer-area-fields').screenshot({ path: `${shots}rich-menu-composer-fields.png` });
  assert.deepEqual(await axe(), [], 'the composer has no accessibility violations');
});

test('reopening the menu shows the composition again', async () => {
  await open(editorPath);
  assert.ok(await page.getByLabel('画像をつくる').isChecked(), 'the composer is chosen');
  await composer().waitFor();
  await page.getByLabel('編集するエリア').selectOption('2');
  await eventually(async () => (await page.getByLabel('画像に入れる文字').inputValue()) === '各種手続き' || 'not yet', 'area 3 is shown');
  assert.ok(await iconRadio('申請').isChecked());
  assert.ok(await areaFields().getByRole('radio', { name: '大', exact: true }).isChecked());
  assert.equal(await page.getByLabel('エリアの背景色').inputValue(), '#1b4a86');
  assert.equal(await page.getByLabel('文字とアイコンの色').inputValue(), '#ffffff');
  await page.getByLabel('編集するエリア').selectOption('0');
  await eventually(async () => (await iconRadio('ごみ').isChecked()) || 'not checked', 'area 1 still has ごみ');
  assert.ok(await areaFields().getByRole('radio', { name: '中', exact: true }).isChecked());
  await page.getByTestId('composer-font').getByText('BIZ UDPゴシック').waitFor();
  await shot('reopened');
  assert.deepEqual(await axe(), []);
  assert.deepEqual(pageErrors, []);
});
