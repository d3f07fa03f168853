// The message composer as a new member of staff uses it, in a real browser against the real
// server: a photo is uploaded on 画像, a 定型文 is built from a text, a rich message on that photo
// (the 4-area layout) and a 3-column carousel, all in forms; the preview explains what each tap
// does; the template is saved, sent from its page to a simulated friend, and the friend's chat in
// 「LINEシミュレーター」 shows the same messages as the preview did. Then every message kind
// round-trips form → JSON → form, LINE's limits are shown at and past them (and refused by the
// server), and the rich message's areas move by keyboard and snap to the image's thirds (and to
// each other) when dragged.
//
// LINE fetches images over https only, so the server runs as in production: behind a TLS
// reverse proxy (a self-signed certificate made with openssl, trusted by this browser context
// only) with PUBLIC_URL set to the proxy's https origin. Screenshots: test-results/composer-*.png.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN, hydrated, launchBrowser, startServer } from './support.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server;
let proxy;
let certDir;
let browser;
let context;
let page;
/// The https origin staff (and LINE) use: the proxy in front of the server.
let base;
const pageErrors = [];

/// A TLS-terminating reverse proxy on a free loopback port, forwarding to `target()` (set once
/// the server behind it is up).
async function startProxy(target) {
  certDir = mkdtempSync(path.join(tmpdir(), 'machidayori-tls-'));
  const key = path.join(certDir, 'key.pem');
  const cert = path.join(certDir, 'cert.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-keyout', key, '-out', cert,
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  const tls = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const upstream = new URL(target());
    // One upstream connection per request (no reuse racing the server's idle timeout).
    const forward = http.request({
      host: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      agent: false,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', (err) => {
      console.error(`proxy: ${req.method} ${req.url}: ${err}`);
      if (res.headersSent) res.destroy(err);
      else res.writeHead(502).end(String(err));
    });
    // The browser gave up (a navigation, a cancelled image): so does the upstream request.
    res.on('close', () => {
      if (!res.writableFinished) forward.destroy();
    });
    req.pipe(forward);
  });
  await new Promise((resolve) => tls.listen(0, '127.0.0.1', resolve));
  return tls;
}

before(async () => {
  proxy = await startProxy(() => server.baseUrl);
  base = `https://127.0.0.1:${proxy.address().port}`;
  server = await startServer({ PUBLIC_URL: base });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'ja-JP', ignoreHTTPSErrors: true });
  page = await context.newPage();
  // COMPOSER_DEBUG=1 prints the page's console (Leptos warnings, failed requests).
  page.on('console', (m) => { if (process.env.COMPOSER_DEBUG) console.error('console:', m.type(), m.text().slice(0, 400)); });
  page.on('pageerror', (err) => {
    console.error('page error:', err);
    pageErrors.push(String(err));
  });
  await page.goto(`${base}/admin/login`);
  await hydrated(page);
  await page.getByLabel('ユーザー名').fill(ADMIN.username);
  await page.getByLabel('パスワード').fill(ADMIN.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL('**/admin');
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => (proxy ? proxy.close(resolve) : resolve()));
  if (certDir) rmSync(certDir, { recursive: true, force: true });
});

async function open(pathname) {
  await page.goto(`${base}${pathname}`);
  await hydrated(page);
}

/// The composer's message list, as the form posts it (LINE's JSON).
async function composed() {
  return JSON.parse(await page.locator('input[name="messages"]').inputValue());
}

function message(i) {
  return page.getByTestId('composer-message').nth(i);
}

/// Adds a message of `kind` (its id in the add bar) as staff do; its editor.
async function addMessage(kind) {
  const before = await page.getByTestId('composer-message').count();
  await page.locator('#composer-add-kind').selectOption(kind);
  await page.getByTestId('add-message').click();
  await assertEventually(async () => (await page.getByTestId('composer-message').count()) === before + 1, `message ${kind} added`);
  const added = message(before);
  assert.equal(await added.getAttribute('data-kind'), kind);
  return added;
}

async function assertEventually(check, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) assert.fail(`never true: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/// Every value a message's form shows (inputs, selects, checkboxes, chosen stickers), by id.
async function formValues(section) {
  return section.evaluate((root) => {
    const values = {};
    for (const el of root.querySelectorAll('input, textarea, select')) {
      const key = el.id || `${el.name}#${[...root.querySelectorAll(`[name="${el.name}"]`)].indexOf(el)}`;
      values[key] = el.type === 'checkbox' || el.type === 'radio' ? el.checked : el.value;
    }
    for (const el of root.querySelectorAll('[role="radio"]')) {
      values[`radio:${el.getAttribute('aria-label')}`] = el.getAttribute('aria-checked');
    }
    return values;
  });
}

/// What the preview (or the simulator's chat) shows of each message row: texts, imagemap areas,
/// cards and their buttons (with what a tap does), images.
async function rows(locator) {
  return locator.evaluateAll((elements) => elements.map((row) => {
    const msg = row.querySelector('.lp-msg');
    const text = (el) => el?.textContent.trim() ?? null;
    return {
      type: row.dataset.type,
      texts: [...msg.querySelectorAll('.lp-text')].map(text),
      areas: [...msg.querySelectorAll('.lp-area')].map((a) => ({
        // The server writes a last `;` that the browser's rendering does not.
        name: a.getAttribute('aria-label'), does: a.title, at: a.getAttribute('style').replace(/;$/, ''),
      })),
      cards: [...msg.querySelectorAll('.lp-card')].map((c) => ({
        title: text(c.querySelector('.lp-card-title')),
        text: text(c.querySelector('.lp-card-text')),
        buttons: [...c.querySelectorAll('.lp-card-action')].map((b) => `${text(b)} → ${b.title}`),
      })),
      images: [...msg.querySelectorAll('img')].map((i) => i.getAttribute('src')),
    };
  }));
}

/// A 1040 × 1040 PNG photo drawn on a canvas: four coloured quarters, as a poster would be.
async function photoPng() {
  const painter = await context.newPage();
  const dataUrl = await painter.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 1040;
    canvas.height = 1040;
    const g = canvas.getContext('2d');
    const colours = ['#f7c6d0', '#c6e2f7', '#d7f7c6', '#f7ecc6'];
    for (let i = 0; i < 4; i++) {
      const [x, y] = [(i % 2) * 520, Math.floor(i / 2) * 520];
      g.fillStyle = colours[i];
      g.fillRect(x, y, 520, 520);
      g.fillStyle = '#333';
      g.font = 'bold 160px sans-serif';
      g.fillText('ABCD'[i], x + 200, y + 320);
      // Some texture, so it is a photo rather than four flat blocks.
      for (let k = 0; k < 400; k++) {
        g.fillStyle = `hsl(${(k * 37) % 360} 60% 60% / 0.4)`;
        g.fillRect(x + ((k * 53) % 500), y + ((k * 97) % 500), 12, 12);
      }
    }
    return canvas.toDataURL('image/png');
  });
  await painter.close();
  const png = Buffer.from(dataUrl.split(',')[1], 'base64');
  assert.equal(png.readUInt32BE(16), 1040, 'width');
  assert.equal(png.readUInt32BE(20), 1040, 'height');
  return png;
}

async function audit(name) {
  await page.screenshot({ path: `${shots}composer-${name}.png`, fullPage: true });
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }),
  );
  return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => `${n.target.join(' ')}${n.any[0]?.message ? ` — ${n.any[0].message}` : ''}`).join(', ')})`);
}

const CITY = 'https://www.city.example.lg.jp';
const PHOTO_ALT = '桜まつり会場の写真';
const TEXT = '今年の桜まつりは4月5日（土）・6日（日）に中央公園で開きます。';
const AREAS = [
  { label: 'まつりの案内', url: `${CITY}/kanko/sakura/` },
  { label: '会場地図', url: `${CITY}/kanko/sakura/map.html` },
  { label: 'アクセス', url: `${CITY}/kanko/sakura/access.html` },
  { label: '駐車場を聞く', text: '桜まつりの駐車場を教えて' },
];
const COLUMNS = [
  { title: 'ステージ', text: '和太鼓や吹奏楽の演奏があります。', url: `${CITY}/kanko/sakura/stage.html`, ask: 'ステージの時間を教えて' },
  { title: '屋台', text: '市内のお店が30店並びます。', url: `${CITY}/kanko/sakura/food.html`, ask: '屋台の場所を教えて' },
  { title: '夜桜', text: '18時から21時までライトアップします。', url: `${CITY}/kanko/sakura/night.html`, ask: '夜桜の時間を教えて' },
];
const TITLE = '桜まつりのご案内';
/// The saved template's page, and what its preview showed (filled in by the first test).
const saved = {};

test('a photo is uploaded on 画像 (a department is created first)', async () => {
  await open('/admin/staff/departments');
  await page.getByLabel('新しい部署名').fill('観光課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();

  await open('/admin/media');
  await page.getByTestId('media-empty').waitFor();
  // PUBLIC_URL is https: no warning that LINE cannot fetch the images.
  assert.equal(await page.getByTestId('media-https-warning').count(), 0);
  await page.getByLabel('画像ファイル').setInputFiles({ name: 'sakura.png', mimeType: 'image/png', buffer: await photoPng() });
  await page.getByLabel('代替テキスト（画像の説明）').fill(PHOTO_ALT);
  await page.getByRole('button', { name: 'アップロード' }).click();
  await page.getByRole('status').filter({ hasText: '「sakura.png」を登録しました。' }).waitFor();
  const card = page.locator('[data-testid="media-grid"] li[data-media="sakura.png"]');
  await card.waitFor();
  assert.match(await card.innerText(), /1040×1040 px/);
  // Its preview is served from the public media URL.
  const thumb = card.locator('img');
  await thumb.scrollIntoViewIfNeeded();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await thumb.elementHandle());
});

test('a 定型文 with a text, a 4-area rich message on the photo and a 3-column carousel, previewed and saved', async () => {
  await open('/admin/templates/new');
  await page.getByLabel('件名').fill(TITLE);
  // A new template starts with a text.
  assert.equal(await message(0).getAttribute('data-kind'), 'text');
  await page.locator('#f-messages-0-text').fill(TEXT);

  // The rich message: the photo from the library, then the 2×2 layout.
  const map = await addMessage('imagemap');
  await map.getByRole('button', { name: '画像ライブラリから選ぶ' }).click();
  await map.getByTestId('pick-image').filter({ hasText: PHOTO_ALT }).click();
  await assertEventually(async () => /^https:\/\/127\.0\.0\.1:\d+\/media\/[^/]+\/imagemap$/.test(await page.locator('#f-messages-1-baseUrl').inputValue()), 'the base URL is filled in');
  // The alternative text comes from the image's description.
  assert.equal(await page.locator('#f-messages-1-altText').inputValue(), PHOTO_ALT);
  await map.getByText('4分割（2×2）').click();
  await page.locator('#f-messages-1-actions-3-linkUri').waitFor();
  assert.equal(await map.locator('.area-editor-area').count(), 4);
  assert.equal(await map.getByLabel('4分割（2×2）').isChecked(), true);
  for (const [i, area] of AREAS.entries()) {
    const at = `#f-messages-1-actions-${i}`;
    if (area.text) {
      await page.locator(`${at}-type`).selectOption({ label: 'テキストを送信' });
      await page.locator(`${at}-text`).fill(area.text);
    } else {
      await page.locator(`${at}-linkUri`).fill(area.url);
    }
    await page.locator(`${at}-label`).fill(area.label);
  }
  await page.locator('#f-messages-1-altText').fill('桜まつりのご案内（画像）');

  // The carousel: three cards with a title and two buttons each.
  const carousel = await addMessage('carousel');
  await page.locator('#f-messages-2-altText').fill('桜まつりの見どころ');
  await carousel.getByRole('button', { name: 'カードを追加（2 / 10）' }).click();
  await assertEventually(async () => (await carousel.getByTestId('composer-column').count()) === 3, 'three cards');
  await carousel.getByLabel('画像を付ける').check();
  await carousel.getByLabel('タイトルを付ける').check();
  await carousel.getByLabel('ボタンの数（1〜3）').selectOption('2');
  await page.locator('#f-messages-2-template-columns-2-actions-1-type').waitFor();
  for (const [c, column] of COLUMNS.entries()) {
    const at = `#f-messages-2-template-columns-${c}`;
    const card = carousel.getByTestId('composer-column').nth(c);
    await card.getByRole('button', { name: '画像ライブラリから選ぶ' }).click();
    await card.getByTestId('pick-image').filter({ hasText: PHOTO_ALT }).click();
    await assertEventually(async () => /\/media\/[^/]+\/card$/.test(await page.locator(`${at}-thumbnailImageUrl`).inputValue()), `card ${c + 1} has the photo`);
    await page.locator(`${at}-title`).fill(column.title);
    await page.locator(`${at}-text`).fill(column.text);
    await page.locator(`${at}-actions-0-label`).fill('詳しく見る');
    await page.locator(`${at}-actions-0-uri`).fill(column.url);
    await page.locator(`${at}-actions-1-type`).selectOption({ label: 'テキストを送信' });
    await page.locator(`${at}-actions-1-label`).fill('質問する');
    await page.locator(`${at}-actions-1-text`).fill(column.ask);
  }
  await page.getByTestId('composer-status').filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();

  // The preview: the text, the photo with four tappable areas, three cards.
  const preview = page.locator('.composer-preview');
  await assertEventually(async () => (await preview.locator('.lp-row').count()) === 3, 'three messages in the preview');
  assert.equal(await preview.locator('.lp-imagemap .lp-area').count(), 4);
  assert.equal(await preview.locator('.lp-carousel .lp-card').count(), 3);
  await preview.locator('.lp-text').filter({ hasText: TEXT }).waitFor();
  const mapImage = preview.locator('.lp-imagemap img');
  await mapImage.scrollIntoViewIfNeeded();
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 700, await mapImage.elementHandle());
  // Tapping explains what LINE would do.
  const note = page.getByTestId('preview-note');
  await preview.locator('.lp-card').nth(1).getByRole('button', { name: '詳しく見る' }).click();
  await note.filter({ hasText: `URL を開く：${COLUMNS[1].url}` }).waitFor();
  await preview.locator('.lp-card').nth(2).getByRole('button', { name: '質問する' }).click();
  await note.filter({ hasText: `送信されるテキスト：${COLUMNS[2].ask}` }).waitFor();
  await preview.getByRole('button', { name: 'エリア2：会場地図' }).click();
  await note.filter({ hasText: `URL を開く：${AREAS[1].url}` }).waitFor();
  await preview.getByRole('button', { name: 'エリア4：駐車場を聞く' }).click();
  await note.filter({ hasText: `送信されるテキスト：${AREAS[3].text}` }).waitFor();

  // What is posted is LINE's JSON, 4 areas in the 2×2 layout.
  const messages = await composed();
  assert.deepEqual(messages.map((m) => m.type), ['text', 'imagemap', 'template']);
  assert.deepEqual(messages[1].baseSize, { width: 1040, height: 1040 });
  assert.deepEqual(messages[1].actions.map((a) => [a.type, a.area]), [
    ['uri', { x: 0, y: 0, width: 520, height: 520 }],
    ['uri', { x: 520, y: 0, width: 520, height: 520 }],
    ['uri', { x: 0, y: 520, width: 520, height: 520 }],
    ['message', { x: 520, y: 520, width: 520, height: 520 }],
  ]);
  assert.equal(messages[2].template.type, 'carousel');
  assert.deepEqual(messages[2].template.columns.map((c) => c.actions.map((a) => a.type)), [['uri', 'message'], ['uri', 'message'], ['uri', 'message']]);
  saved.preview = await rows(preview.locator('.lp-row'));

  await page.getByTestId('save-template').click();
  await page.waitForURL(/\/admin\/templates\/\d+\?saved=1$/);
  await hydrated(page);
  saved.url = new URL(page.url()).pathname;
  await page.getByRole('status').filter({ hasText: '保存しました。' }).first().waitFor();
  // Opened again, the composer holds exactly what was saved.
  await open(saved.url);
  await page.getByTestId('composer-status').filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();
  assert.deepEqual(await composed(), messages);
  assert.deepEqual(await rows(page.locator('.composer-preview .lp-row')), saved.preview);
});

test('the saved 定型文 is sent to a simulated friend, who receives what the preview showed', async () => {
  assert.ok(saved.url, 'the template was saved');
  await open('/admin/simulator');
  await page.getByLabel('表示名').fill('市民 花子');
  await page.getByRole('button', { name: '利用者を作成' }).click();
  await page.getByRole('link', { name: '市民 花子' }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  await page.getByRole('button', { name: '友だち追加' }).click();
  await page.getByTestId('delivery').filter({ hasText: 'Webhook を送信しました（200）' }).waitFor();

  await open(saved.url);
  const panel = page.getByTestId('simulator-send');
  await panel.getByRole('heading', { name: 'シミュレーターで確認' }).waitFor();
  await panel.getByLabel('送り先の利用者').selectOption({ label: '市民 花子' });
  await panel.getByTestId('send-to-simulator').click();
  await panel.getByRole('status').filter({ hasText: '送信しました。' }).waitFor();
  await panel.getByRole('link', { name: 'LINEシミュレーターで見る' }).click();
  await page.waitForURL('**/admin/simulator?**user=U*');
  await hydrated(page);

  const chat = page.getByTestId('chat');
  const received = chat.locator('li.from-account .lp-row');
  await chat.locator('li.from-account[data-kind="template"] .lp-carousel').waitFor({ timeout: 15_000 });
  const all = await rows(received);
  const last = all.slice(-3);
  assert.deepEqual(last, saved.preview, 'the friend receives what the preview showed');
  assert.equal(last[1].areas.length, 4);
  assert.equal(last[2].cards.length, 3);
  const mapImage = chat.locator('li.from-account[data-kind="imagemap"] .lp-imagemap img').last();
  await mapImage.scrollIntoViewIfNeeded();
  await page.waitForFunction((img) => img.complete && img.naturalWidth === 700, await mapImage.elementHandle());
  await page.screenshot({ path: `${shots}composer-simulator.png`, fullPage: true });

  // The friend taps the 4th area: its text is sent as theirs.
  await chat.locator('li.from-account[data-kind="imagemap"]').last().getByRole('button', { name: 'エリア4：駐車場を聞く' }).click();
  await chat.locator('.from-friend').filter({ hasText: AREAS[3].text }).waitFor({ timeout: 15_000 });
});

/// Each kind the add bar offers, as the form first makes it (`line::compose::MessageKind::
/// new_message`), a change made in its JSON, and where its form then shows that change.
const KINDS = {
  text: {
    reference: { type: 'text', text: '' },
    edit: (m) => { m.text = 'JSON で書いた本文'; },
    shows: ['#f-messages-1-text', 'JSON で書いた本文'],
  },
  image: {
    reference: { type: 'image', originalContentUrl: '', previewImageUrl: '' },
    edit: (m) => { m.originalContentUrl = 'https://www.city.example.lg.jp/a.png'; },
    shows: ['#f-messages-1-originalContentUrl', 'https://www.city.example.lg.jp/a.png'],
  },
  sticker: {
    reference: { type: 'sticker', packageId: '446', stickerId: '1988' },
    edit: (m) => { m.stickerId = '1990'; },
    shows: ['[role="radio"][aria-label="スタンプ 1990"]', 'true', 'aria-checked'],
  },
  imagemap: {
    reference: {
      type: 'imagemap', baseUrl: '', altText: '', baseSize: { width: 1040, height: 1040 },
      actions: [{ type: 'uri', linkUri: '', area: { x: 0, y: 0, width: 1040, height: 1040 } }],
    },
    edit: (m) => { m.altText = 'JSON の代替テキスト'; },
    shows: ['#f-messages-1-altText', 'JSON の代替テキスト'],
  },
  buttons: {
    reference: {
      type: 'template', altText: '',
      template: { type: 'buttons', text: '', actions: [{ type: 'uri', label: '', uri: '' }] },
    },
    edit: (m) => { m.template.text = 'JSON のボタン本文'; },
    shows: ['#f-messages-1-template-text', 'JSON のボタン本文'],
  },
  confirm: {
    reference: {
      type: 'template', altText: '',
      template: {
        type: 'confirm', text: '',
        actions: [{ type: 'message', label: 'はい', text: 'はい' }, { type: 'message', label: 'いいえ', text: 'いいえ' }],
      },
    },
    edit: (m) => { m.template.actions[1].text = '参加しません'; },
    shows: ['#f-messages-1-template-actions-1-text', '参加しません'],
  },
  carousel: {
    reference: {
      type: 'template', altText: '',
      template: {
        type: 'carousel',
        columns: [
          { text: '', actions: [{ type: 'uri', label: '', uri: '' }] },
          { text: '', actions: [{ type: 'uri', label: '', uri: '' }] },
        ],
      },
    },
    edit: (m) => { m.template.columns[1].text = 'JSON の2枚目'; },
    shows: ['#f-messages-1-template-columns-1-text', 'JSON の2枚目'],
  },
  image_carousel: {
    reference: {
      type: 'template', altText: '',
      template: {
        type: 'image_carousel',
        columns: [
          { imageUrl: '', action: { type: 'uri', label: '', uri: '' } },
          { imageUrl: '', action: { type: 'uri', label: '', uri: '' } },
        ],
      },
    },
    edit: (m) => { m.template.columns[0].action.uri = 'https://www.city.example.lg.jp/'; },
    shows: ['#f-messages-1-template-columns-0-action-uri', 'https://www.city.example.lg.jp/'],
  },
  cards: {
    // A Flex carousel of OA Manager's card shape: checked by its form's fields below.
    reference: null,
    edit: (m) => { m.altText = 'JSON のカード'; },
    shows: ['#f-messages-1-altText', 'JSON のカード'],
  },
  location: {
    reference: { type: 'location', title: '', address: '', latitude: 35.681236, longitude: 139.767125 },
    edit: (m) => { m.latitude = 35.5; },
    shows: ['#f-messages-1-latitude', '35.5'],
  },
  flex: {
    reference: {
      type: 'flex', altText: '',
      contents: { type: 'bubble', body: { type: 'box', layout: 'vertical', contents: [{ type: 'text', text: '本文', wrap: true }] } },
    },
    edit: (m) => { m.altText = 'JSON の Flex'; },
    shows: ['#f-messages-1-altText', 'JSON の Flex'],
  },
};

test('every message kind offered round-trips form → JSON → form unchanged, and JSON edits reach the form', async () => {
  await open('/admin/templates/new');
  const offered = await page.locator('#composer-add-kind option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(offered, Object.keys(KINDS), 'the kinds offered');
  for (const [kind, spec] of Object.entries(KINDS)) {
    const section = await addMessage(kind);
    const before = await composed();
    const form = await formValues(section);
    // Form → JSON: the message as LINE's JSON.
    await section.getByTestId('json-mode').click();
    const json = section.locator('#f-messages-1-json');
    const parsed = JSON.parse(await json.inputValue());
    assert.deepEqual(parsed, before[1], `${kind}: the JSON view is the message`);
    if (spec.reference) assert.deepEqual(parsed, spec.reference, `${kind}: as LINE's JSON`);
    else assert.equal(parsed.type, 'flex');
    // JSON → form, untouched: nothing changed.
    await section.getByRole('button', { name: 'フォーム' }).click();
    await json.waitFor({ state: 'detached' });
    assert.deepEqual(await formValues(section), form, `${kind}: the form after the JSON view`);
    assert.deepEqual(await composed(), before, `${kind}: the message after the JSON view`);
    // A change made in the JSON shows in the form.
    await section.getByTestId('json-mode').click();
    const edited = structuredClone(parsed);
    spec.edit(edited);
    await json.fill(JSON.stringify(edited, null, 2));
    await section.getByRole('button', { name: 'フォーム' }).click();
    const [selector, value, attribute] = spec.shows;
    const field = section.locator(selector);
    if (attribute) assert.equal(await field.getAttribute(attribute), value, `${kind}: the form shows the JSON edit`);
    else assert.equal(await field.inputValue(), value, `${kind}: the form shows the JSON edit`);
    assert.deepEqual((await composed())[1], edited, `${kind}: the message is the edited JSON`);
    await page.getByRole('button', { name: '2件目を削除' }).click();
    await assertEventually(async () => (await page.getByTestId('composer-message').count()) === 1, `${kind} removed`);
  }
  // Cards: the form's own fields.
  const cards = await addMessage('cards');
  await cards.getByLabel('カードの種類').waitFor();
  assert.equal((await composed())[1].contents.type, 'carousel');
  await page.getByRole('button', { name: '2件目を削除' }).click();
});

test('JSON that does not parse is shown as an error and loses nothing', async () => {
  await open('/admin/templates/new');
  await page.locator('#f-messages-0-text').fill('消えてはいけない本文');
  const before = await composed();
  const section = message(0);
  await section.getByTestId('json-mode').click();
  const json = section.locator('#f-messages-0-json');
  await json.fill('{"type": "text", "text": "途中まで');
  await section.getByText('JSON として読めません').waitFor();
  assert.deepEqual(await composed(), before, 'the message is as it was');
  await page.locator('.composer-preview .lp-text').filter({ hasText: '消えてはいけない本文' }).waitFor();
  await section.getByRole('button', { name: 'フォーム' }).click();
  assert.equal(await page.locator('#f-messages-0-text').inputValue(), '消えてはいけない本文');
  // A well-formed message of the wrong shape is refused the same way.
  await section.getByTestId('json-mode').click();
  await json.fill('{"type": "text", "txet": "綴り違い"}');
  await section.getByText('JSON として読めません').waitFor();
  assert.deepEqual(await composed(), before);
  assert.deepEqual(pageErrors, []);
});

test('LINE rules at and past their limits: text length, quick replies, carousel consistency, stickers', async () => {
  await open('/admin/templates/new');
  await page.getByLabel('件名').fill('上限の確認');
  const text = page.locator('#f-messages-0-text');
  const status = page.getByTestId('composer-status');
  await text.fill('あ'.repeat(5000));
  await status.filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();
  assert.equal(await page.locator('#f-messages-0-text-count').innerText(), '5000 / 5000　URL を書くとタップで開けるリンクになります');
  assert.equal(await page.locator('#f-messages-0-text-errors').innerText(), '');
  await text.fill('あ'.repeat(5001));
  const tooLong = 'messages[0].text: 1〜5000文字にしてください（現在5001文字）。';
  await page.locator('#f-messages-0-text-errors').getByText(tooLong).waitFor();
  await status.filter({ hasText: '直すところが1件あります' }).waitFor();
  assert.equal(await text.getAttribute('aria-invalid'), 'true');
  // Saving is refused by the server with the same words.
  await page.getByTestId('save-template').click();
  await page.getByTestId('template-form').getByRole('alert').filter({ hasText: tooLong }).waitFor();
  assert.match(page.url(), /\/admin\/templates\/new$/);
  await text.fill('5000文字以内の本文');
  await status.filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();

  // Quick reply buttons: 13 at most.
  const add = page.getByTestId('add-quick-reply');
  for (let i = 0; i < 13; i++) await add.click();
  await assertEventually(async () => (await page.locator('.composer-quick-item').count()) === 13, '13 quick reply buttons');
  assert.equal(await add.isDisabled(), true, 'no 14th button');
  assert.equal((await composed())[0].quickReply.items.length, 13);
  assert.equal(await page.locator('.composer-preview .lp-quick .lp-chip').count(), 13);
  // A 14th typed in the JSON is reported.
  const first = message(0);
  await first.getByTestId('json-mode').click();
  const withQuick = JSON.parse(await first.locator('#f-messages-0-json').inputValue());
  withQuick.quickReply.items.push(withQuick.quickReply.items[0]);
  await first.locator('#f-messages-0-json').fill(JSON.stringify(withQuick));
  await page.locator('.composer-quick').getByText('messages[0].quickReply.items: 1〜13件にしてください（現在14件）。').waitFor();
  withQuick.quickReply = null;
  delete withQuick.quickReply;
  await first.locator('#f-messages-0-json').fill(JSON.stringify(withQuick));
  await first.getByRole('button', { name: 'フォーム' }).click();
  await assertEventually(async () => (await page.locator('.composer-quick-item').count()) === 0, 'quick replies gone');

  // Carousel: the image and title switches and the number of buttons apply to every card.
  const carousel = await addMessage('carousel');
  await carousel.getByRole('button', { name: 'カードを追加（2 / 10）' }).click();
  await assertEventually(async () => (await carousel.getByTestId('composer-column').count()) === 3, 'three cards');
  const columns = async () => (await composed())[1].template.columns;
  await carousel.getByLabel('画像を付ける').check();
  await carousel.getByLabel('タイトルを付ける').check();
  await carousel.getByLabel('ボタンの数（1〜3）').selectOption('3');
  await page.locator('#f-messages-1-template-columns-2-actions-2-type').waitFor();
  for (let c = 0; c < 3; c++) {
    const column = carousel.getByTestId('composer-column').nth(c);
    await column.getByLabel('タイトル', { exact: true }).waitFor();
    await column.getByLabel('画像の URL（https、JPEG または PNG）').waitFor();
    assert.equal(await column.locator('fieldset.composer-action').count(), 3, `card ${c + 1} has 3 buttons`);
  }
  for (const column of await columns()) {
    assert.equal(column.actions.length, 3);
    assert.equal(column.title, '');
    assert.equal(column.thumbnailImageUrl, '');
  }
  // The text limit follows: 60 with an image or a title.
  const text0 = page.locator('#f-messages-1-template-columns-0-text');
  await text0.fill('あ'.repeat(61));
  await page.locator('#f-messages-1-template-columns-0-text-errors').getByText('messages[1].template.columns[0].text: 1〜60文字にしてください（現在61文字）。').waitFor();
  await carousel.getByLabel('画像を付ける').uncheck();
  await carousel.getByLabel('タイトルを付ける').uncheck();
  await carousel.getByLabel('ボタンの数（1〜3）').selectOption('1');
  await page.locator('#f-messages-1-template-columns-2-actions-1-type').waitFor({ state: 'detached' });
  for (const column of await columns()) {
    assert.equal(column.actions.length, 1);
    assert.equal('title' in column, false);
    assert.equal('thumbnailImageUrl' in column, false);
  }
  assert.equal(await page.locator('#f-messages-1-template-columns-0-text-errors').innerText(), '', '61 characters fit without image and title');
  assert.equal(await text0.inputValue(), 'あ'.repeat(61), 'the text is kept through the rebuild');
  // Ten cards at most.
  for (let n = 3; n < 10; n++) await carousel.getByRole('button', { name: `カードを追加（${n} / 10）` }).click();
  assert.equal(await carousel.getByRole('button', { name: 'カードを追加（10 / 10）' }).isDisabled(), true);
  assert.equal((await columns()).length, 10);
  await assertEventually(async () => (await page.locator('.composer-preview .lp-carousel .lp-card').count()) === 10, 'ten cards in the preview');

  // A sticker from the picker.
  const sticker = await addMessage('sticker');
  await sticker.getByLabel('スタンプのセット').selectOption('789');
  await sticker.getByRole('radio', { name: 'スタンプ 10856' }).click();
  await sticker.getByText('選択中：セット 789 のスタンプ 10856').waitFor();
  assert.equal(await sticker.getByRole('radio', { name: 'スタンプ 10856' }).getAttribute('aria-checked'), 'true');
  const chosen = (await composed())[2];
  assert.deepEqual([chosen.type, chosen.packageId, chosen.stickerId], ['sticker', '789', '10856']);
  await page.locator('.composer-preview .lp-row[data-type="sticker"] img[alt="スタンプ（789 / 10856）"]').waitFor({ state: 'attached' });
});

test('a rich message area moves by keyboard: ArrowRight 1 px, Shift+ArrowRight 10 px', async () => {
  await open('/admin/templates/new');
  const map = await addMessage('imagemap');
  await map.getByText('4分割（2×2）').click();
  await page.locator('#f-messages-1-actions-3-linkUri').waitFor();
  const areaD = page.locator('#composer-1-area-3');
  const x = page.locator('#f-messages-1-actions-3-area-x');
  const y = page.locator('#f-messages-1-actions-3-area-y');
  const areaB = page.locator('#composer-1-area-1');
  await areaB.focus();
  await page.keyboard.press('ArrowLeft');
  assert.equal(await page.locator('#f-messages-1-actions-1-area-x').inputValue(), '519');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await page.locator('#f-messages-1-actions-1-area-x').inputValue(), '509');
  await areaD.focus();
  assert.equal(await x.inputValue(), '520');
  // D sits at the right edge: it cannot go further right, so first left, then back.
  await page.keyboard.press('Shift+ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  assert.equal(await x.inputValue(), '500');
  await page.keyboard.press('ArrowRight');
  assert.equal(await x.inputValue(), '501');
  await page.keyboard.press('Shift+ArrowRight');
  assert.equal(await x.inputValue(), '511');
  await page.keyboard.press('ArrowUp');
  assert.equal(await y.inputValue(), '519');
  // Focus stays on the area, which names its place.
  assert.equal(await areaD.evaluate((el) => el === document.activeElement), true);
  assert.equal(await areaD.getAttribute('aria-label'), '領域D（x 511, y 519, 幅 520, 高さ 520）');
  const actions = (await composed())[1].actions;
  assert.deepEqual(actions[3].area, { x: 511, y: 519, width: 520, height: 520 });
  // Moved areas are no longer the 2×2 layout.
  assert.equal(await map.getByLabel('カスタム').isChecked(), true);
});

test('a rich message area dragged snaps to a third of the image (not with Alt), a drawn one too, and the warnings say what is left uncovered', async () => {
  await open('/admin/templates/new');
  const map = await addMessage('imagemap');
  const field = (i, name) => page.locator(`#f-messages-1-actions-${i}-area-${name}`);
  const warnings = page.locator('#composer-1-area-warnings');
  // One area covers the 1040 × 1040 image: nothing to warn about.
  assert.equal(await warnings.locator('li').count(), 0);
  const surface = map.locator('.area-editor-surface');
  const { width: shown } = await surface.boundingBox();
  const css = (imagePixels) => imagePixels * shown / 1040;
  // Drags area A's bottom right corner by (dx, dy) image pixels, from just inside the corner.
  const dragCorner = async (dx, dy) => {
    await page.locator('#composer-1-area-0').focus();
    const handle = await page.locator('#composer-1-area-0 .area-editor-handle.se').boundingBox();
    const [x, y] = [handle.x + handle.width / 2 - 3, handle.y + handle.height / 2 - 3];
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + css(dx), y + css(dy), { steps: 8 });
    await page.mouse.up();
  };

  // To about 700 × 700: 7 px from two thirds of 1040, which OA Manager's layouts put at 693.
  await dragCorner(-340, -340);
  assert.equal(await field(0, 'width').inputValue(), '693');
  assert.equal(await field(0, 'height').inputValue(), '693');
  await warnings.getByText('どのエリアにも入っていません').waitFor();

  // With Alt held, about 600 stays about 600 (the twelfth at 607 is within reach).
  await page.keyboard.down('Alt');
  try {
    await dragCorner(-93, -93);
  } finally {
    await page.keyboard.up('Alt');
  }
  const width = Number(await field(0, 'width').inputValue());
  assert.ok(width !== 607 && Math.abs(width - 600) <= 3, `free width ${width}`);

  // A new area drawn on the empty corner snaps to the last quarter (780) and to the image's edge.
  // Measured now: focusing an area may have scrolled the page.
  const origin = await surface.boundingBox();
  const at = (x, y) => [origin.x + css(x), origin.y + css(y)];
  await page.mouse.move(...at(786, 785));
  await page.mouse.down();
  await page.mouse.move(...at(1036, 1034), { steps: 8 });
  await page.mouse.up();
  await field(1, 'x').waitFor();
  assert.equal(await map.locator('.area-editor-area').count(), 2);
  assert.deepEqual(
    await Promise.all(['x', 'y', 'width', 'height'].map((n) => field(1, n).inputValue())),
    ['780', '780', '260', '260'],
  );
  // The drawn area has the keyboard, named with its place.
  const areaB = page.locator('#composer-1-area-1');
  await assertEventually(async () => areaB.evaluate((el) => el === document.activeElement), 'the new area is focused');
  assert.equal(await areaB.getAttribute('aria-label'), '領域B（x 780, y 780, 幅 260, 高さ 260）');
  // The editor with its warnings showing (the whole page, and the canvas alone to look at).
  const violations = await audit('area-editor');
  await map.locator('.area-editor').screenshot({ path: `${shots}composer-area-editor.png` });
  assert.deepEqual(violations, []);
  assert.deepEqual(pageErrors, []);
});

test('screenshots of the editor, the media page and the 375 px preview; no accessibility violations', async () => {
  assert.ok(saved.url, 'the template was saved');
  await open(saved.url);
  await page.getByTestId('composer-status').filter({ hasText: 'LINE の制限を満たしています。' }).waitFor();
  const editor = await audit('template-editor');
  await open('/admin/media');
  await page.locator('[data-testid="media-grid"] li[data-media="sakura.png"]').waitFor();
  const media = await audit('media');
  await page.setViewportSize({ width: 375, height: 812 });
  try {
    await open(saved.url);
    const preview = page.locator('.lp-preview');
    await preview.locator('.lp-carousel').waitFor();
    await preview.scrollIntoViewIfNeeded();
    await preview.screenshot({ path: `${shots}composer-preview-375.png` });
  } finally {
    await page.setViewportSize({ width: 1366, height: 900 });
  }
  assert.deepEqual({ editor, media }, { editor: [], media: [] });
  assert.deepEqual(pageErrors, []);
});

// The other kinds' forms and previews, with the problems of their empty fields showing: cards,
// buttons, confirm, and Flex as pasted from LINE's Flex Message Simulator (a primary button
// without a colour: the preview draws it in the panel's green, as LINE's #17c950 is 2.2:1).
test('the editor with cards, buttons, confirm and Flex has no accessibility violations', async () => {
  await open('/admin/templates/new');
  await page.locator('#f-messages-0-text').fill(TEXT);
  for (const kind of ['cards', 'buttons', 'confirm', 'flex']) await addMessage(kind);
  const flex = message(4);
  await flex.getByTestId('json-mode').click();
  const flexMessage = JSON.parse(await flex.locator('#f-messages-4-json').inputValue());
  flexMessage.altText = '申し込みのご案内';
  flexMessage.contents.footer = {
    type: 'box', layout: 'vertical',
    contents: [{ type: 'button', style: 'primary', action: { type: 'uri', label: '申し込む', uri: `${CITY}/apply/` } }],
  };
  await flex.locator('#f-messages-4-json').fill(JSON.stringify(flexMessage, null, 2));
  await flex.getByRole('button', { name: 'フォーム' }).click();
  await page.locator('.composer-preview .lp-fbtn.lp-primary').filter({ hasText: '申し込む' }).waitFor();
  assert.deepEqual(await audit('template-editor-kinds'), []);
});
