// Starts the built `machidayori` binary on a free loopback port with a fresh SQLite database,
// and Debian's Chromium through playwright-core. Nothing is mocked: real server, real browser.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.MACHIDAYORI_BIN ?? path.join(root, 'target', 'debug', 'machidayori');
const siteRoot = process.env.SITE_ROOT ?? path.join(root, 'target', 'site');

export const ADMIN = { username: 'e2e-admin', displayName: '広報課 テスト', password: 'correct horse battery' };

/// `extraEnv`: settings for this server only (e.g. TRUSTED_PROXIES). The returned `cli(args)` runs
/// the same binary against the same database, as an operator at the server's shell would.
export async function startServer(extraEnv = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'machidayori-e2e-'));
  // Only what the server needs: a developer's DATABASE_URL or PUBLIC_URL must not leak in.
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DATA_DIR: dataDir,
    DATABASE_URL: `sqlite://${dataDir}/machidayori.db?mode=rwc`,
    SITE_ROOT: siteRoot,
    BIND_ADDR: '127.0.0.1:0',
    LOG_FORMAT: 'json',
    ...extraEnv,
  };
  const created = spawnSync(
    binary,
    ['admin', 'create', '--username', ADMIN.username, '--display-name', ADMIN.displayName, '--password-stdin'],
    { env, input: `${ADMIN.password}\n`, encoding: 'utf8' },
  );
  if (created.status !== 0) throw new Error(`admin create failed: ${created.stderr}${created.stdout}`);

  const child = spawn(binary, ['serve'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const address = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start within 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line);
      if (entry.message === 'listening') {
        clearTimeout(timer);
        resolve(entry.address);
      }
    });
  });
  return {
    baseUrl: `http://${address}`,
    cli(args) {
      return spawnSync(binary, args, { env, encoding: 'utf8' });
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run',
    ],
  });
}

/// Resolves once the WASM bundle has hydrated the page (the app sets this attribute in an Effect).
export async function hydrated(page) {
  await page.waitForSelector('body[data-hydrated="true"]', { timeout: 30_000 });
}

/// A page of a fresh browser context (Japanese, `width` px wide) signed in as ADMIN, opened at
/// `path` (the page the sign-in returns to). Page errors are logged and handed to `onError`.
export async function adminPage(server, browser, { width = 1366, path = '/admin', onError } = {}) {
  const context = await browser.newContext({ viewport: { width, height: 900 }, locale: 'ja-JP' });
  const page = await context.newPage();
  page.on('pageerror', (err) => {
    console.error('page error:', err);
    onError?.(err);
  });
  // A panic's message and place (console_error_panic_hook) come before its page error.
  page.on('console', (msg) => {
    if (msg.type() === 'error') console.error('console error:', msg.text());
  });
  await page.goto(`${server.baseUrl}${path === '/admin' ? '/admin/login' : path}`);
  await hydrated(page);
  await page.getByLabel('ユーザー名').fill(ADMIN.username);
  await page.getByLabel('パスワード').fill(ADMIN.password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForURL(`**${path}`);
  return page;
}
