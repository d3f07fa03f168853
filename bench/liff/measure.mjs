// The citizens' LIFF survey page (`/liff/surveys/{id}`) against its budget: at most 100 KiB gzip
// of our own HTML, CSS (inline) and JS plus the LIFF SDK served from our origin, and Lighthouse
// mobile performance ≥ 95 and accessibility 100.
//
// The debug server with `LIFF_SDK_MOCK=true` (the shell then loads `/liff/assets/sdk-mock.js`),
// a department, the city's 地区, the starter 属性アンケート opened, and a simulated friend who
// follows and opens the survey from 「LINEシミュレーター」 in a 375 px page, which leaves the
// friend's LIFF session cookie in that browser context.
//
// Bytes (raw and gzip -9): the shell (no cookie), the form and the completion page (with the
// cookie), `liff.js`, `sdk.js` (LINE's SDK, what real LINE loads) and `sdk-mock.js`. A first
// visit in LINE is shell + liff.js + sdk.js + form.
//
// Lighthouse (mobile form factor, simulated throttling: its defaults), performance and
// accessibility, 3 runs on the form page with the cookie sent as an extra header (median by
// performance score), 1 run on the shell. Lighthouse is not a project dependency; install it
// outside the repository (these versions were measured; Chromium is Debian's, never downloaded):
//
//   npm install --prefix /tmp/lh lighthouse@12.8.2 chrome-launcher@1.2.1
//   bench/liff/run.sh        (or: SITE_ROOT=target/site node bench/liff/measure.mjs)
//
// Without /tmp/lh/node_modules/lighthouse the byte table is printed and Lighthouse is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { adminPage, hydrated, launchBrowser, startServer } from '../../end2end/tests/support.mjs';

const LH = '/tmp/lh/node_modules';
const CHROME = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const BUDGET = 100 * 1024;
const RUNS = 3;
const TITLE = '属性アンケート（受信設定）';

const kib = (n) => (n / 1024).toFixed(1);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startServer({ LIFF_SDK_MOCK: 'true' });
const browser = await launchBrowser();
let chrome;
try {
  // Staff: a department, the districts, the starter survey opened; a friend who follows.
  const page = await adminPage(server, browser);
  const call = (endpoint, fields) => page.evaluate(async ([endpoint, fields]) => {
    const res = await fetch(`/api/${endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams(fields).toString(),
    });
    if (!res.ok) throw new Error(`${endpoint}: ${res.status} ${await res.text()}`);
    return res.json();
  }, [endpoint, fields]);
  await page.goto(`${server.baseUrl}/admin/staff/departments`);
  await hydrated(page);
  await page.getByLabel('新しい部署名').fill('広報課');
  await page.getByRole('button', { name: '追加' }).click();
  await page.getByText('部署を追加しました。').waitFor();
  await call('attributes/save', { id: '2', label: 'お住まいの地区', kind: 'single_choice', new_options: '北区\n南区\n中央区' });
  await page.goto(`${server.baseUrl}/admin/surveys`);
  await hydrated(page);
  await page.getByTestId('surveys').getByRole('link', { name: TITLE }).click();
  await page.waitForURL(/\/admin\/surveys\/\d+$/);
  await hydrated(page);
  await page.getByTestId('save-survey').click();
  await page.getByTestId('survey-saved').waitFor();
  await page.getByTestId('open-survey').click();
  await page.getByTestId('survey-state').getByText('受付中').waitFor();
  const link = await page.getByTestId('survey-link').inputValue();
  const formPath = `/liff/surveys/${new URL(link).pathname.split('/').pop()}`;
  const user = (await call('simulator/create_friend', { channel: 'main', display_name: '市民 太郎' })).user_id;
  await call('simulator/act', { channel: 'main', user_id: user, act: 'follow' });

  // The friend opens the link on a phone (the opener needs staff); the follow arrives shortly.
  const phone = await adminPage(server, browser, { width: 375 });
  const opener = `${server.baseUrl}/admin/simulator/liff?ch=main&user=${encodeURIComponent(user)}&url=${encodeURIComponent(link)}`;
  for (let i = 0; ; i += 1) {
    await phone.goto(opener);
    const form = phone.getByRole('heading', { name: TITLE });
    const refused = phone.locator('#liff-status', { hasText: '友だち追加' });
    await Promise.race([form.waitFor(), refused.waitFor()]);
    if (await form.isVisible()) break;
    if (i >= 20) throw new Error('the friend was never registered');
    await sleep(500);
  }
  const session = (await phone.context().cookies(`${server.baseUrl}/liff/`)).find((c) => c.name.includes('liff'));
  if (!session) throw new Error('no LIFF session cookie in the phone\'s context');
  const cookie = `${session.name}=${session.value}`;

  // Bytes.
  const get = async (path, withCookie) => {
    const res = await fetch(`${server.baseUrl}${path}`, { headers: withCookie ? { cookie } : {} });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  };
  const items = [
    ['shell HTML (no cookie)', formPath, false, true],
    ['form HTML (with cookie)', formPath, true, true],
    ['`/liff/assets/liff.js`', '/liff/assets/liff.js', false, true],
    ['`/liff/assets/sdk.js` (LINE\'s SDK)', '/liff/assets/sdk.js', false, true],
    ['`/liff/assets/sdk-mock.js` (sandbox only)', '/liff/assets/sdk-mock.js', false, false],
    ['completion HTML (with cookie)', `${formPath}/done`, true, false],
  ];
  const rows = [];
  let firstRaw = 0;
  let firstGzip = 0;
  for (const [what, path, withCookie, firstVisit] of items) {
    const body = await get(path, withCookie);
    const gz = gzipSync(body, { level: 9 }).length;
    if (firstVisit) {
      firstRaw += body.length;
      firstGzip += gz;
    }
    rows.push(`| ${what} | ${body.length} B (${kib(body.length)} KiB) | ${gz} B (${kib(gz)} KiB) |`);
  }
  const verdict = firstGzip <= BUDGET ? 'within' : 'OVER';

  console.log(`## LIFF survey page (\`${formPath}\`)\n`);
  console.log('| what | raw | gzip -9 |\n|---|---|---|');
  console.log(rows.join('\n'));
  console.log(`| **first visit in LINE** (shell + liff.js + sdk.js + form) | ${firstRaw} B (${kib(firstRaw)} KiB) | **${firstGzip} B (${kib(firstGzip)} KiB), ${verdict} the 100 KiB budget (${kib(BUDGET - firstGzip)} KiB left)** |`);

  // Lighthouse.
  if (!existsSync(`${LH}/lighthouse`)) {
    console.log('\nLighthouse skipped: install it with `npm install --prefix /tmp/lh lighthouse@12.8.2 chrome-launcher@1.2.1`.');
  } else {
    process.env.CHROME_PATH = CHROME;
    const { default: lighthouse } = await import(`${LH}/lighthouse/core/index.js`);
    const { launch } = await import(`${LH}/chrome-launcher/dist/index.js`);
    const { version } = JSON.parse(readFileSync(`${LH}/lighthouse/package.json`, 'utf8'));
    chrome = await launch({
      chromePath: CHROME,
      chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const audit = async (path, headers) => {
      const { lhr } = await lighthouse(`${server.baseUrl}${path}`, {
        port: chrome.port,
        output: 'json',
        logLevel: 'error',
        onlyCategories: ['performance', 'accessibility'],
        extraHeaders: headers,
      });
      if (lhr.runtimeError) throw new Error(`Lighthouse: ${lhr.runtimeError.code} ${lhr.runtimeError.message}`);
      // The form loads no script; the shell loads the SDK: otherwise the cookie was not used.
      const sdk = lhr.audits['network-requests'].details.items.some((r) => r.url.includes('/liff/assets/sdk'));
      if (sdk !== !headers.Cookie) throw new Error(`Lighthouse audited the wrong page at ${path}`);
      return lhr;
    };
    const form = [];
    for (let i = 0; i < RUNS; i += 1) form.push(await audit(formPath, { Cookie: cookie }));
    form.sort((a, b) => a.categories.performance.score - b.categories.performance.score);
    const median = form[Math.floor(RUNS / 2)];
    const shell = await audit(formPath, {});

    const score = (lhr, c) => Math.round(lhr.categories[c].score * 100);
    const metric = (lhr, id) => lhr.audits[id].displayValue;
    const line = (what, lhr) => `| ${what} | ${score(lhr, 'performance')} | ${score(lhr, 'accessibility')} | ${
      ['first-contentful-paint', 'largest-contentful-paint', 'total-blocking-time', 'cumulative-layout-shift'].map((id) => metric(lhr, id)).join(' | ')} | ${
      kib(lhr.audits['total-byte-weight'].numericValue)} KiB |`;
    console.log(`\nLighthouse ${version}, mobile (Moto G Power emulation, simulated slow 4G and 4× CPU), ${spawnSync(CHROME, ['--version'], { encoding: 'utf8' }).stdout.trim()} headless, benchmark index ${Math.round(median.environment.benchmarkIndex)}:\n`);
    console.log('| page | performance | accessibility | FCP | LCP | TBT | CLS | transferred |\n|---|---|---|---|---|---|---|---|');
    console.log(line(`form with cookie, median of ${RUNS} (performance ${form.map((l) => score(l, 'performance')).join(', ')})`, median));
    console.log(line('shell, mock SDK (no cookie), 1 run', shell));

    // Every scored audit short of a full score, so that the reasons are in view.
    const failing = (lhr, c) => lhr.categories[c].auditRefs
      .filter((r) => r.weight > 0 && lhr.audits[r.id].score !== null && lhr.audits[r.id].score < 1)
      .map((r) => `- ${c} \`${r.id}\` (score ${lhr.audits[r.id].score}): ${lhr.audits[r.id].title}${lhr.audits[r.id].displayValue ? ` — ${lhr.audits[r.id].displayValue}` : ''}`);
    for (const [what, lhr] of [['form (median run)', median], ['shell', shell]]) {
      const found = [...failing(lhr, 'accessibility'), ...failing(lhr, 'performance')];
      console.log(`\nAudits below full score, ${what}: ${found.length ? `\n${found.join('\n')}` : 'none'}`);
    }
  }
} finally {
  await chrome?.kill();
  await browser.close();
  await server.stop();
}
