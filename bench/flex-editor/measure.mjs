// The Flex editor's keystroke latency (issue 16): "Editing a 12-bubble carousel: each keystroke
// updates tree, JSON and preview in under 16 ms in Chromium on this machine."
//
// The server of `make test` (debug binary, release WASM bundle: SITE_ROOT=target/site-release)
// and Debian's Chromium through playwright-core, as in end2end/. A new 定型文 whose only message
// is a Flex carousel of 12 bubbles, each the gallery's event notice (line/src/flex_gallery/
// event.json) with its own title, pasted into the editor's JSON panel. Then staff type into
// each bubble's title, `KEYS` (default 10) characters per bubble, 12 bubbles: 120 keystrokes per
// scenario. Every keystroke is measured until the edited bubble's title reads the new text in
// all the views the mode shows:
//
// - 「レイアウト」 (the issue's case): the text typed into the property panel's テキスト field of
//   the selected title; the preview (`.composer-preview`), the tree row (`flex-tree`) and the
//   JSON (`flex-json-view`, its <details> open) must all show it.
// - 「かんたん入力」: the text typed into the form's タイトル field of 「N枚目」; the mode shows
//   the preview only (no tree, no JSON).
//
// Two ways of typing, each a scenario:
//
// - synthetic: inside the page, the field's value is set and an `input` event dispatched; then
//   zero-delay MessageChannel tasks until every view shows the text (`dom`: the app's WASM work
//   and its DOM changes, all microtasks included); then a forced style and layout of the
//   document (`layout`: + recalculating style and layout of what changed); then the next
//   animation frame has run (`frame`: + waiting for the frame, so ≥ `layout`).
// - keyboard: real keystrokes (`page.keyboard.press`, through Chromium's input pipeline). In the
//   page, a capturing `keydown` listener starts the same MessageChannel loop (`dom` from the
//   key's `event.timeStamp`), and the Event Timing API (`PerformanceObserver` type `event`,
//   `durationThreshold` 16, the lowest the API allows) gives each interaction's duration from
//   the key to the next paint after its handlers (rounded to 8 ms by the browser). A keystroke
//   with no entry of 16 ms or more took less than 16 ms.
//
// Then, with the layout mode: the same synthetic typing with the preview hidden
// (`display: none`: its WASM and DOM work stays, its style and layout go) and with the JSON
// <details> closed; 1, 3 and 6 bubbles against 12 (what grows with the carousel); DOM nodes
// added and removed per keystroke in each view (MutationObserver); and a CPU profile (CDP
// `Profiler`) and a trace (CDP `Tracing`, devtools.timeline) of 24 keystrokes: self time by
// function (the WASM's imports from wasm-bindgen are named; the WASM's own functions are not,
// as wasm-opt drops the name section) and the browser's rendering work by kind.
//
//   bench/flex-editor/run.sh     (builds what is missing, as `make test` does, then runs this)
//
// Environment: KEYS (characters per bubble, default 10), PROFILE=0 skips the profile.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { adminPage, hydrated, launchBrowser, startServer } from '../../end2end/tests/support.mjs';

const KEYS = Number(process.env.KEYS ?? 10);
const PROFILE = process.env.PROFILE !== '0';
/// Only the CPU profile, by WASM function (run.sh NAMES=1: a bundle whose WASM keeps its names).
const NAMES = process.env.NAMES === '1';
const TYPED = 'abcdefghijklmnopqrstuvwxyz';
const GOAL_MS = 16;

const event = JSON.parse(readFileSync(new URL('../../line/src/flex_gallery/event.json', import.meta.url), 'utf8'));
const title = (k) => `みどり市民まつり${k + 1}`;
const pointer = (k) => `/contents/${k}/body/contents/0`;

/// `n` bubbles of the event notice, with the server's images and each its own title and date.
function carousel(baseUrl, n) {
  const bubble = JSON.parse(JSON.stringify(event.contents).replaceAll('{{IMAGE_BASE}}', baseUrl));
  return {
    type: 'carousel',
    contents: Array.from({ length: n }, (_, k) => {
      const b = structuredClone(bubble);
      b.body.contents[0].text = title(k);
      b.body.contents[2].contents[0].contents[1].text = `10月${k + 1}日（日）10時〜16時（小雨決行）`;
      return b;
    }),
  };
}

/// A Rust symbol (legacy mangling, as wasm-bindgen leaves it with `--no-demangle`) made readable.
function demangle(name) {
  const m = /_ZN((?:\d+[^\d][^]*?)+)E(?:\.|$)/.exec(name);
  if (!m) return name;
  const parts = [];
  let rest = m[1];
  while (rest.length) {
    const len = /^(\d+)/.exec(rest);
    if (!len) break;
    const n = Number(len[1]);
    parts.push(rest.slice(len[1].length, len[1].length + n));
    rest = rest.slice(len[1].length + n);
  }
  if (/^h[0-9a-f]{16}$/.test(parts.at(-1) ?? '')) parts.pop();
  const map = { SP: '@', BP: '*', RF: '&', LT: '<', GT: '>', LP: '(', RP: ')', C: ',' };
  return parts.join('::')
    .replace(/\$([A-Z]{1,2})\$/g, (x, c) => map[c] ?? x)
    .replace(/\$u([0-9a-f]+)\$/g, (x, h) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/\.\./g, '::')
    .replace(/::_(?=[{$<])/g, '::')
    .replace(/^_/, '');
}

/// What a sample of script time was doing, by the WASM functions on its stack (NAMES=1).
const COMPONENTS = [
  ['preview: `<For>` re-creating the changed message (tachys keyed diff: all its bubbles)', /tachys::view::keyed::apply_diff/],
  ['JSON panel: pretty-print, textarea `value`, download link', /flex::json::__component_json_panel/],
  ['`Draft::read` in memos (kind, shape → `CardSet::from_flex`, `FlexDoc.value` → `to_value`)', /composer::fields::Draft::read$/],
  ['text fields (panel / form): value, counter, errors', /__component_text_field/],
  ['preview: other', /line_preview/],
  ['checks: `flex_spec::check`, lint', /line::flex_spec::check|flex::checks::/],
  ['`line::validate::messages`', /line::validate::messages/],
  ['property panel', /flex::panel::/],
  ['tree: outline and rows', /flex::tree::|flex::ops::(walk|outline)/],
  ['other DOM property sets (`prop:value`; the JSON textarea\'s 60 KiB among them, see the DOM calls)', /tachys::renderer::dom::Dom::set_property/],
  ['other serialising of the message (`serde`)', /Serialize for line::message::Message/],
  ['other clones of the message list', /Vec<T,A> as core::clone::Clone|line::message::Message as core::clone::Clone/],
];

// ---- statistics --------------------------------------------------------------------------

function quantile(sorted, q) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}
function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    p95: quantile(s, 0.95),
    max: s[s.length - 1],
    over: s.filter((v) => v >= GOAL_MS).length,
  };
}
const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : '–');
const row = (what, st) => `| ${what} | ${st.n} | ${ms(st.median)} | ${ms(st.p95)} | ${ms(st.max)} | ${st.over} |`;

// ---- in the page -------------------------------------------------------------------------

/// Installed once per page: `__bench.check(k, text, views)` and the typing loops.
function install() {
  const nextTask = () => new Promise((r) => {
    const c = new MessageChannel();
    c.port1.onmessage = () => r();
    c.port2.postMessage(0);
  });
  const nextFrame = () => new Promise((r) => requestAnimationFrame(() => nextTask().then(r)));
  const sleep = (t) => new Promise((r) => setTimeout(r, t));
  const pointer = (k) => `/contents/${k}/body/contents/0`;
  function check(k, text, views) {
    if (views.includes('preview')) {
      const node = document.querySelector(`.composer-preview [data-flex-node="${pointer(k)}"]`);
      if (!node || node.textContent.trim() !== text) return false;
    }
    if (views.includes('tree')) {
      const row = document.querySelector(`[data-testid="flex-tree"] [data-pointer="${pointer(k)}"]`);
      if (!row || row.textContent.trim() !== `テキスト「${text}」`) return false;
    }
    if (views.includes('json')) {
      const json = document.querySelector('[data-testid="flex-json-view"]');
      if (!json || !json.textContent.includes(`"text": ${JSON.stringify(text)}`)) return false;
    }
    return true;
  }
  async function until(k, text, views, t0) {
    for (let spins = 0; !check(k, text, views); spins += 1) {
      if (performance.now() - t0 > 5000) throw new Error(`bubble ${k + 1} never showed ${text} in ${views}`);
      await nextTask();
    }
    return performance.now() - t0;
  }
  // DOM nodes added or removed per keystroke, by view.
  const regions = {
    preview: () => document.querySelector('.composer-preview'),
    tree: () => document.querySelector('[data-testid="flex-tree"]'),
    json: () => document.querySelector('[data-testid="flex-json"]'),
    panel: () => document.querySelector('[data-testid="flex-panel"]'),
    form: () => document.querySelector('[data-testid="flex-form"]'),
    problems: () => document.querySelector('[data-testid="flex-problems"]'),
    composer: () => document.querySelector('[data-testid="composer"]'),
  };
  let counts = null;
  const observer = new MutationObserver((records) => {
    if (!counts) return;
    const size = (n) => (n.nodeType === 1 ? 1 + n.getElementsByTagName('*').length : 0);
    for (const r of records) {
      let n = 0;
      for (const a of r.addedNodes) n += size(a);
      for (const a of r.removedNodes) n += size(a);
      counts.mutations += 1;
      for (const [name, el] of Object.entries(counts.els)) {
        if (el && el.contains(r.target)) {
          counts.nodes[name] = (counts.nodes[name] ?? 0) + n;
          if (r.type === 'attributes') counts.attrs[name] = (counts.attrs[name] ?? 0) + 1;
          if (r.type === 'characterData') counts.texts[name] = (counts.texts[name] ?? 0) + 1;
        }
      }
    }
  });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });

  // Calls of the DOM APIs the WASM's glue uses, counted and timed by the view they touch.
  const REGIONS = [
    ['preview', '.composer-preview'], ['tree', '[data-testid="flex-tree"]'], ['json', '[data-testid="flex-json"]'],
    ['panel', '[data-testid="flex-panel"]'], ['form', '[data-testid="flex-form"]'], ['problems', '[data-testid="flex-problems"]'],
    ['alt text', '.flex-alt'], ['editor (rest)', '[data-testid="flex-editor"]'], ['composer (rest)', '[data-testid="composer"]'],
  ];
  const regionOf = (node) => {
    const el = node?.nodeType === 1 ? node : node?.parentElement ?? null;
    if (!el) return node?.nodeType === 9 ? 'document' : 'detached';
    if (!el.isConnected) return 'detached (being built)';
    for (const [name, sel] of REGIONS) if (el.closest(sel)) return name;
    return 'page (rest)';
  };
  const calls = { on: false, by: new Map() };
  const record = (api, region, t) => {
    const key = `${api} @ ${region}`;
    const c = calls.by.get(key) ?? { n: 0, ms: 0 };
    c.n += 1;
    c.ms += t;
    calls.by.set(key, c);
  };
  const restore = [];
  function wrapMethod(proto, name, label) {
    const original = proto[name];
    if (typeof original !== 'function') return;
    proto[name] = function wrapped(...args) {
      if (!calls.on) return original.apply(this, args);
      const region = this.nodeType === 9 ? 'document' : regionOf(this);
      const t = performance.now();
      const r = original.apply(this, args);
      record(label, region, performance.now() - t);
      return r;
    };
    restore.push(() => { proto[name] = original; });
  }
  function wrapSetter(proto, name, label) {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    if (!d?.set) return;
    Object.defineProperty(proto, name, {
      ...d,
      set(v) {
        if (!calls.on) return d.set.call(this, v);
        const region = regionOf(this);
        const t = performance.now();
        d.set.call(this, v);
        record(`${label}${typeof v === 'string' && v.length > 1000 ? ` (${(v.length / 1024).toFixed(0)} KiB)` : ''}`, region, performance.now() - t);
      },
    });
    restore.push(() => Object.defineProperty(proto, name, d));
  }
  function instrument() {
    for (const [proto, name] of [[Document.prototype, 'createElement'], [Document.prototype, 'createTextNode'], [Document.prototype, 'createComment'],
      [Node.prototype, 'cloneNode'], [Node.prototype, 'insertBefore'], [Node.prototype, 'appendChild'], [Node.prototype, 'removeChild'],
      [Element.prototype, 'remove'], [CharacterData.prototype, 'remove'], [Element.prototype, 'replaceWith'], [CharacterData.prototype, 'replaceWith'],
      [Element.prototype, 'before'], [Element.prototype, 'after'], [Element.prototype, 'append'], [CharacterData.prototype, 'before'], [CharacterData.prototype, 'after'],
      [Element.prototype, 'setAttribute'], [Element.prototype, 'removeAttribute'], [Range.prototype, 'deleteContents']]) {
      wrapMethod(proto, name, `${name}()`);
    }
    for (const [proto, name, label] of [[Node.prototype, 'textContent', 'textContent='], [CharacterData.prototype, 'data', 'data='], [Node.prototype, 'nodeValue', 'nodeValue='],
      [HTMLInputElement.prototype, 'value', 'input.value='], [HTMLTextAreaElement.prototype, 'value', 'textarea.value='], [HTMLSelectElement.prototype, 'value', 'select.value='],
      [HTMLInputElement.prototype, 'checked', 'input.checked='], [Element.prototype, 'innerHTML', 'innerHTML='], [Element.prototype, 'className', 'className='],
      [HTMLButtonElement.prototype, 'disabled', 'button.disabled='], [HTMLSelectElement.prototype, 'disabled', 'select.disabled=']]) {
      wrapSetter(proto, name, label);
    }
  }

  window.__bench = {
    check,
    /// Synthetic typing with the DOM APIs counted: per keystroke, by API and view.
    async typeCounted(id, k, chars, views) {
      instrument();
      const field = document.getElementById(id);
      field.focus();
      const times = [];
      try {
        for (const ch of chars) {
          await nextFrame();
          await sleep(30);
          const text = field.value + ch;
          const t0 = performance.now();
          calls.on = true;
          field.value = text;
          field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: ch }));
          times.push(await until(k, text, views, t0));
          calls.on = false;
        }
      } finally {
        calls.on = false;
        for (const r of restore.splice(0)) r();
      }
      const by = [...calls.by].map(([key, c]) => ({ key, n: c.n / chars.length, ms: c.ms / chars.length }));
      calls.by.clear();
      return { by, dom: times.reduce((a, b) => a + b, 0) / times.length };
    },
    /// Synthetic typing: `chars` appended to field `id`, each measured until `views` show it.
    async typeSynthetic(id, k, chars, views, countNodes) {
      const field = document.getElementById(id);
      field.focus();
      const out = [];
      if (countNodes) {
        counts = { mutations: 0, nodes: {}, attrs: {}, texts: {}, els: Object.fromEntries(Object.entries(regions).map(([n, f]) => [n, f()])) };
      }
      for (const ch of chars) {
        await nextFrame();
        await sleep(30);
        const text = field.value + ch;
        const t0 = performance.now();
        field.value = text;
        field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: ch }));
        const dom = await until(k, text, views, t0);
        void document.documentElement.offsetHeight;
        const layout = performance.now() - t0;
        await nextFrame();
        out.push({ dom, layout, frame: performance.now() - t0 });
      }
      if (countNodes) {
        await nextTask();
        const { mutations, nodes, attrs, texts } = counts;
        counts = null;
        return { out, mutations: { mutations, nodes, attrs, texts, keys: chars.length } };
      }
      return { out };
    },
    /// Real keys: the next keydown starts the loop until `views` show `text`.
    watch(k, text, views) {
      this.pending = new Promise((resolve, reject) => {
        window.addEventListener('keydown', (e) => {
          const start = performance.now();
          until(k, text, views, e.timeStamp)
            .then((dom) => resolve({ dom, keydownAt: e.timeStamp, handlerLag: start - e.timeStamp }))
            .catch(reject);
        }, { capture: true, once: true });
      });
    },
    events: [],
    observeEvents() {
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) {
          this.events.push({ name: e.name, startTime: e.startTime, duration: e.duration, processing: e.processingEnd - e.processingStart, interactionId: e.interactionId });
        }
      }).observe({ type: 'event', durationThreshold: 16, buffered: false });
    },
    nextFrame,
    sleep,
  };
}

// ---- the editor --------------------------------------------------------------------------

async function open(page, server) {
  await page.goto(`${server.baseUrl}/admin/templates/new`);
  await hydrated(page);
  await page.evaluate(install);
  await page.getByRole('button', { name: '1件目を削除' }).click();
  await page.locator('#composer-add-kind').selectOption('flex');
  await page.getByTestId('add-message').click();
  await page.getByTestId('flex-editor').waitFor();
}

async function layoutMode(page) {
  await page.getByTestId('flex-mode-layout').click();
  await page.getByTestId('flex-tree').waitFor();
  const details = page.getByTestId('flex-json');
  if (!(await details.evaluate((d) => d.open))) await details.locator('summary').click();
}

async function formMode(page) {
  await page.getByTestId('flex-mode-form').click();
  await page.getByTestId('flex-form').waitFor();
}

/// Pastes a carousel of `n` bubbles into the JSON panel (layout mode) and waits for its preview.
async function paste(page, server, n) {
  console.error(`pasting ${n} bubbles`);
  await layoutMode(page);
  // As a paste: the value set and one `input` event (Playwright's `fill` types the 60 KB through
  // the browser's text insertion, which alone takes over a minute here).
  await page.getByTestId('flex-json-edit').click();
  await page.getByTestId('flex-json-text').evaluate((ta, text) => {
    ta.value = text;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  }, JSON.stringify(carousel(server.baseUrl, n), null, 2));
  // Back to the JSON as it is shown while staff edit elsewhere.
  await page.getByTestId('flex-json-done').click();
  await page.getByTestId('flex-json-view').waitFor();
  await page.waitForFunction((n) => document.querySelectorAll('.composer-preview .lp-fbubble').length === n
    && document.querySelectorAll(`[data-testid="flex-tree"] [data-kind="bubble"]`).length === n, n);
  await page.waitForFunction(() => document.querySelector('[data-testid="flex-json-problems"]').textContent.trim() === '');
}

/// The field that edits bubble `k`'s title in the current mode, focused with the caret at its end.
async function titleField(page, mode, k) {
  let field;
  if (mode === 'layout') {
    await page.locator(`[data-testid="flex-tree"] [data-pointer="${pointer(k)}"]`).click();
    field = page.locator(`#f-messages-0-contents-contents-${k}-body-contents-0-text`);
  } else {
    const fieldset = page.getByTestId('flex-form').locator('fieldset').filter({ has: page.locator('legend', { hasText: new RegExp(`^${k + 1}枚目$`) }) });
    field = fieldset.getByLabel('タイトル', { exact: true });
  }
  await field.waitFor();
  const value = await field.inputValue();
  if (value !== title(k)) throw new Error(`bubble ${k + 1}'s title field reads ${value}`);
  await field.click();
  await page.keyboard.press('End');
  return field.getAttribute('id');
}

const VIEWS = { layout: ['preview', 'tree', 'json'], form: ['preview'] };

async function synthetic(page, mode, bubbles, { countNodes = false, views = VIEWS[mode] } = {}) {
  const out = [];
  let mutations = null;
  for (let k = 0; k < bubbles; k += 1) {
    const id = await titleField(page, mode, k);
    const r = await page.evaluate(([id, k, chars, views, countNodes]) => window.__bench.typeSynthetic(id, k, chars, views, countNodes),
      [id, k, TYPED.slice(0, KEYS), views, countNodes && k === bubbles - 1]);
    out.push(...r.out);
    if (r.mutations) mutations = r.mutations;
  }
  return { dom: stats(out.map((o) => o.dom)), layout: stats(out.map((o) => o.layout)), frame: stats(out.map((o) => o.frame)), mutations };
}

async function keyboard(page, mode, bubbles) {
  await page.evaluate(() => { window.__bench.events = []; });
  const keys = [];
  for (let k = 0; k < bubbles; k += 1) {
    await titleField(page, mode, k);
    let text = title(k);
    for (const ch of TYPED.slice(0, KEYS)) {
      text += ch;
      await page.evaluate(() => window.__bench.nextFrame().then(() => window.__bench.sleep(30)));
      const from = await page.evaluate(() => performance.now());
      await page.evaluate(([k, text, views]) => { window.__bench.watch(k, text, views); }, [k, text, VIEWS[mode]]);
      await page.keyboard.press(ch);
      const r = await page.evaluate(() => window.__bench.pending);
      keys.push({ from, ...r });
    }
  }
  // Event Timing entries are queued after the paint that follows the event.
  await page.evaluate(() => window.__bench.nextFrame().then(() => window.__bench.sleep(300)));
  const events = await page.evaluate(() => window.__bench.events);
  const durations = keys.map((key, i) => {
    const until = keys[i + 1]?.from ?? Infinity;
    const mine = events.filter((e) => e.startTime >= key.from && e.startTime < until);
    return Math.max(0, ...mine.map((e) => e.duration));
  });
  const names = [...new Set(events.map((e) => e.name))].join(', ');
  return {
    dom: stats(keys.map((k) => k.dom)),
    eventTiming: stats(durations),
    over: durations.filter((d) => d >= GOAL_MS).length,
    names,
    entries: events.length,
  };
}

// ---- profile -----------------------------------------------------------------------------

/// Types `KEYS` characters into each of the first `bubbles` titles (layout mode) under a CPU
/// profile (`cpu`) and a trace; returns self time by function and by trace event.
async function profile(page, cdp, bubbles, cpu, invalidations = false, views = VIEWS.layout) {
  const trace = [];
  const collect = ({ value }) => trace.push(...value);
  cdp.on('Tracing.dataCollected', collect);
  const self = new Map();
  const inclusive = new Map();
  const components = new Map();
  let keys = 0;
  if (cpu) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  }
  // One bubble at a time, so that selecting the next one (Playwright's clicks) stays out.
  for (let k = 0; k < bubbles; k += 1) {
    const id = await titleField(page, 'layout', k);
    const traced = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', {
      categories: `devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing${invalidations ? ',disabled-by-default-devtools.timeline.invalidationTracking' : ''}`,
      transferMode: 'ReportEvents',
    });
    if (cpu) await cdp.send('Profiler.start');
    await page.evaluate(([id, k, chars, views]) => window.__bench.typeSynthetic(id, k, chars, views, false), [id, k, TYPED.slice(0, KEYS), views]);
    keys += KEYS;
    if (cpu) {
      const { profile: p } = await cdp.send('Profiler.stop');
      const byId = new Map(p.nodes.map((n) => [n.id, n]));
      const parents = new Map();
      for (const n of p.nodes) for (const c of n.children ?? []) parents.set(c, n);
      if (NAMES) {
        // For Chrome DevTools (Performance, "Load profile"), and for a closer look.
        mkdirSync('target/flex-bench', { recursive: true });
        writeFileSync(`target/flex-bench/bubble-${k + 1}.cpuprofile`, JSON.stringify(p));
      }
      for (let i = 0; i < p.samples.length; i += 1) {
        const f = byId.get(p.samples[i]).callFrame;
        const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
        const file = f.url.split('/').pop();
        const name = `${demangle(f.functionName || '(anonymous)')}${file ? ` (${file})` : ''}`;
        self.set(name, (self.get(name) ?? 0) + dt);
        // Inclusive time of WASM functions (each counted once per sample), and the sample's
        // component: the first of COMPONENTS found on its stack, from the leaf up.
        if (NAMES) {
          const seen = new Set();
          const names = [];
          for (let node = byId.get(p.samples[i]); node; node = parents.get(node.id)) {
            const fn = demangle(node.callFrame.functionName);
            names.push(fn);
            if (!node.callFrame.url.endsWith('.wasm') || seen.has(fn)) continue;
            seen.add(fn);
            inclusive.set(fn, (inclusive.get(fn) ?? 0) + dt);
          }
          if (names.some((fn) => /wasm_bindgen::convert::closures|js-to-wasm/.test(fn))) {
            const c = COMPONENTS.find(([, re]) => names.some((fn) => re.test(fn)))?.[0] ?? 'other WASM work (effects, signals, allocation, glue)';
            components.set(c, (components.get(c) ?? 0) + dt);
          }
        }
      }
    }
    await cdp.send('Tracing.end');
    await traced;
  }
  cdp.off('Tracing.dataCollected', collect);
  const wasmSelf = [...self].filter(([n]) => n.endsWith('.wasm)')).reduce((a, [, t]) => a + t, 0);
  const busy = [...self].filter(([n]) => n !== '(idle)').reduce((a, [, t]) => a + t, 0);
  const top = [...self].filter(([n]) => n !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, NAMES ? 40 : 16);

  // Self time by trace event on the page's main thread (a parent's time less its children's).
  const layoutPid = trace.find((e) => e.name === 'UpdateLayoutTree')?.pid;
  const main = trace.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && e.pid === layoutPid);
  const spans = [];
  const begun = [];
  for (const e of trace) {
    if (!main || e.pid !== main.pid || e.tid !== main.tid) continue;
    if (e.ph === 'X') spans.push({ name: e.name, ts: e.ts, end: e.ts + (e.dur ?? 0), cpu: e.tdur, args: e.args });
    else if (e.ph === 'B') begun.push(e);
    else if (e.ph === 'E') {
      const i = begun.findLastIndex((x) => x.name === e.name || !e.name);
      if (i >= 0) {
        const [b] = begun.splice(i, 1);
        spans.push({ name: b.name, ts: b.ts, end: e.ts, cpu: e.tts !== undefined && b.tts !== undefined ? e.tts - b.tts : undefined, args: { ...b.args, ...e.args } });
      }
    }
  }
  spans.sort((x, y) => x.ts - y.ts || y.end - x.end);
  const bySpan = new Map();
  const stack = [];
  let styled = 0;
  let laidOut = 0;
  // Top-level tasks of the main thread: wall time, and the thread's CPU time (what a machine
  // to itself would take; here other builds shared the 2 CPUs).
  let taskWall = 0;
  let taskCpu = 0;
  for (const sp of spans) {
    while (stack.length && stack[stack.length - 1].end <= sp.ts) stack.pop();
    if (!stack.length && sp.cpu !== undefined) {
      taskWall += (sp.end - sp.ts) / 1000;
      taskCpu += sp.cpu / 1000;
    }
    const d = sp.end - sp.ts;
    bySpan.set(sp.name, (bySpan.get(sp.name) ?? 0) + d / 1000);
    if (stack.length) {
      const parent = stack[stack.length - 1];
      bySpan.set(parent.name, (bySpan.get(parent.name) ?? 0) - d / 1000);
    }
    stack.push(sp);
    if (sp.name === 'UpdateLayoutTree') styled += sp.args?.elementCount ?? 0;
    if (sp.name === 'Layout') laidOut += sp.args?.beginData?.dirtyObjects ?? 0;
  }
  // What invalidated style and layout, by reason and element.
  const why = new Map();
  for (const e of trace) {
    if (!e.name.endsWith('InvalidationTracking')) continue;
    const d = e.args?.data ?? {};
    const key = `${e.name.replace('InvalidationTracking', '')} | ${d.reason ?? d.changedAttribute ?? d.type ?? ''} | ${(d.nodeName ?? '').slice(0, 70)}`;
    why.set(key, (why.get(key) ?? 0) + 1);
  }
  return { keys, top, wasmSelf, busy, self: bySpan, styled, laidOut, why, inclusive, components, taskWall, taskCpu };
}

// ---- run ---------------------------------------------------------------------------------

const server = await startServer();
const browser = await launchBrowser();
const errors = [];
try {
  const page = await adminPage(server, browser, { onError: (e) => errors.push(String(e)) });
  const chromium = browser.version();
  await open(page, server);
  await page.evaluate(() => window.__bench.observeEvents());
  const n = 12;
  if (NAMES) {
    await paste(page, server, n);
    await synthetic(page, 'layout', 2);
    await paste(page, server, n);
    const cdp = await page.context().newCDPSession(page);
    const named = await profile(page, cdp, n, true);
    const per = (t) => (t / named.keys).toFixed(2);
    console.log(`CPU profile (CDP Profiler, 100 µs sampling) of ${named.keys} synthetic keystrokes (layout mode, 12 bubbles, preview + tree + JSON shown) with the WASM's function names kept (wasm-bindgen's output before wasm-opt): ${per(named.busy)} ms busy per keystroke, ${per(named.wasmSelf)} ms in WASM functions' own code.\n`);
    console.log('Self time:\n\n| function | ms per keystroke |\n|---|---|');
    for (const [name, t] of named.top) console.log(`| \`${name.replaceAll('|', '\\|')}\` | ${per(t)} |`);
    console.log('\nScript time entered from the event loop into the WASM (effects, event handlers), by the first of these found on the stack:\n\n| component | ms per keystroke |\n|---|---|');
    for (const [name, t] of [...named.components].sort((a, b) => b[1] - a[1])) console.log(`| ${name} | ${per(t)} |`);
    console.log('\nInclusive time of WASM functions (what runs inside them, DOM calls included):\n\n| function | ms per keystroke |\n|---|---|');
    for (const [name, t] of [...named.inclusive].sort((a, b) => b[1] - a[1]).slice(0, 80)) console.log(`| \`${name.replaceAll('|', '\\|')}\` | ${per(t)} |`);
    console.log(`\nLoad average at the end: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (2 CPUs, shared).`);
    process.exitCode = 0;
  } else {
  const results = {};
  const node = {};

  // Warm-up: one pass of the layout mode (JIT of the bundle's code paths, images cached).
  await paste(page, server, n);
  await synthetic(page, 'layout', 2);

  await paste(page, server, n);
  results.layoutSynthetic = await synthetic(page, 'layout', n, { countNodes: true });
  await paste(page, server, n);
  results.layoutKeyboard = await keyboard(page, 'layout', n);
  await paste(page, server, n);
  await formMode(page);
  results.formSynthetic = await synthetic(page, 'form', n);
  await paste(page, server, n);
  await formMode(page);
  results.formKeyboard = await keyboard(page, 'form', n);

  // What each view costs: the preview hidden, the JSON closed.
  await paste(page, server, n);
  await page.evaluate(() => { document.querySelector('.composer-preview').style.display = 'none'; });
  node.previewHidden = await synthetic(page, 'layout', n);
  await page.evaluate(() => { document.querySelector('.composer-preview').style.display = ''; });
  await paste(page, server, n);
  await page.getByTestId('flex-json').locator('summary').click();
  // A closed panel's JSON is written when it opens again: preview and tree only.
  node.jsonClosed = await synthetic(page, 'layout', n, { views: ['preview', 'tree'] });
  await page.getByTestId('flex-json').locator('summary').click();

  // Growth with the carousel.
  const growth = [];
  for (const b of [1, 3, 6]) {
    await paste(page, server, b);
    growth.push([b, await synthetic(page, 'layout', b)]);
  }
  growth.push([n, results.layoutSynthetic]);

  // The DOM calls of a keystroke, by view (bubble 6, the layout mode).
  await paste(page, server, n);
  const countedId = await titleField(page, 'layout', 5);
  const counted = await page.evaluate(([id, chars, views]) => window.__bench.typeCounted(id, 5, chars, views),
    [countedId, TYPED.slice(0, KEYS), VIEWS.layout]);
  await paste(page, server, n);
  await formMode(page);
  const countedFormId = await titleField(page, 'form', 5);
  const countedForm = await page.evaluate(([id, chars, views]) => window.__bench.typeCounted(id, 5, chars, views),
    [countedFormId, TYPED.slice(0, KEYS), VIEWS.form]);

  let prof = null;
  const variants = [];
  let invalidated = null;
  if (PROFILE) {
    const cdp = await page.context().newCDPSession(page);
    await paste(page, server, n);
    prof = await profile(page, cdp, 3, true);
    await paste(page, server, n);
    variants.push(['all shown', await profile(page, cdp, 3, false)]);
    await paste(page, server, n);
    await page.getByTestId('flex-json').locator('summary').click();
    variants.push(['JSON closed', await profile(page, cdp, 3, false, false, ['preview', 'tree'])]);
    await page.getByTestId('flex-json').locator('summary').click();
    await paste(page, server, n);
    await page.evaluate(() => { document.querySelector('.composer-preview').style.display = 'none'; });
    variants.push(['preview hidden', await profile(page, cdp, 3, false)]);
    await page.evaluate(() => { document.querySelector('.composer-preview').style.display = ''; });
    await paste(page, server, 1);
    const one = await profile(page, cdp, 1, false);
    await paste(page, server, 1);
    const two = await profile(page, cdp, 1, false);
    one.keys += two.keys;
    for (const [k, v] of two.self) one.self.set(k, (one.self.get(k) ?? 0) + v);
    one.styled += two.styled;
    one.laidOut += two.laidOut;
    one.taskWall += two.taskWall;
    one.taskCpu += two.taskCpu;
    variants.push(['1 bubble, all shown', one]);
    await paste(page, server, n);
    invalidated = await profile(page, cdp, 2, false, true);
  }
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  const loadAfter = loadavg().map((l) => l.toFixed(2)).join(' ');

  // ---- Markdown ----
  const L = results.layoutSynthetic;
  const K = results.layoutKeyboard;
  const metGoal = L.layout.p95 < GOAL_MS && K.eventTiming.over === 0;
  console.log(`${chromium} headless, ${n}-bubble carousel (the gallery's event notice ×${n}, ${JSON.stringify(carousel(server.baseUrl, n)).length} bytes of JSON), ${KEYS} characters typed into each bubble's title (${n * KEYS} keystrokes per row). Milliseconds.\n`);
  console.log('| keystroke, measured until | n | median | p95 | max | ≥ 16 ms |\n|---|---|---|---|---|---|');
  console.log(row('レイアウト, synthetic `input`: preview + tree + JSON show it (`dom`)', L.dom));
  console.log(row('… and style + layout done (`layout`)', L.layout));
  console.log(row('… and the next animation frame ran (`frame`)', L.frame));
  console.log(row('レイアウト, real key: preview + tree + JSON show it (from `keydown`)', K.dom));
  console.log(row('レイアウト, real key: Event Timing, key to next paint', K.eventTiming));
  console.log(row('かんたん入力, synthetic `input`: preview shows it (`dom`)', results.formSynthetic.dom));
  console.log(row('… and style + layout done (`layout`)', results.formSynthetic.layout));
  console.log(row('かんたん入力, real key: preview shows it (from `keydown`)', results.formKeyboard.dom));
  console.log(row('かんたん入力, real key: Event Timing, key to next paint', results.formKeyboard.eventTiming));
  console.log(`\nEvent Timing reports only interactions of 16 ms or more (rounded to 8 ms); a keystroke with none counts as 0. Entries seen: ${K.entries} (layout, ${K.names || 'none'}), ${results.formKeyboard.entries} (form).`);
  console.log(`\n**Goal (< 16 ms per keystroke, tree + JSON + preview): ${metGoal ? 'met' : 'NOT met'}** (layout mode: p95 ${ms(L.layout.p95)} ms to style and layout, ${K.eventTiming.over} of ${K.eventTiming.n} real keystrokes at 16 ms or more to the next paint).`);

  console.log('\nLayout mode, synthetic, by what is shown (`dom` / `layout` medians):\n');
  console.log('| variant | dom median | layout median | layout p95 |\n|---|---|---|---|');
  console.log(`| all shown (as above) | ${ms(L.dom.median)} | ${ms(L.layout.median)} | ${ms(L.layout.p95)} |`);
  console.log(`| preview hidden (\`display: none\`) | ${ms(node.previewHidden.dom.median)} | ${ms(node.previewHidden.layout.median)} | ${ms(node.previewHidden.layout.p95)} |`);
  console.log(`| JSON <details> closed | ${ms(node.jsonClosed.dom.median)} | ${ms(node.jsonClosed.layout.median)} | ${ms(node.jsonClosed.layout.p95)} |`);
  console.log('\nBy carousel size (layout mode, synthetic):\n');
  console.log('| bubbles | keystrokes | dom median | layout median | layout p95 |\n|---|---|---|---|---|');
  for (const [b, r] of growth) console.log(`| ${b} | ${r.layout.n} | ${ms(r.dom.median)} | ${ms(r.layout.median)} | ${ms(r.layout.p95)} |`);

  const m = L.mutations;
  if (m) {
    const per = (o, name) => ((o[name] ?? 0) / m.keys).toFixed(0);
    console.log(`\nDOM changes per keystroke (layout mode, ${m.keys} keystrokes into bubble ${n}; nodes added + removed, attribute changes, text changes):\n`);
    console.log('| view | nodes added + removed | attributes | texts |\n|---|---|---|---|');
    for (const name of ['preview', 'tree', 'json', 'panel', 'problems', 'composer']) {
      console.log(`| ${name === 'composer' ? 'whole composer' : name} | ${per(m.nodes, name)} | ${per(m.attrs, name)} | ${per(m.texts, name)} |`);
    }
    const total = await page.evaluate(() => ({
      preview: document.querySelector('.composer-preview').querySelectorAll('*').length,
      tree: document.querySelector('[data-testid="flex-tree"]').querySelectorAll('*').length,
    }));
    console.log(`\n(Elements now: preview ${total.preview}, tree ${total.tree}.)`);
  }

  {
    const keys = [...new Set([...counted.by, ...countedForm.by].map((c) => c.key))];
    const of = (list, key) => list.by.find((c) => c.key === key) ?? { n: 0, ms: 0 };
    keys.sort((x, y) => (of(counted, y).ms + of(countedForm, y).ms) - (of(counted, x).ms + of(countedForm, x).ms));
    const total = (list) => list.by.reduce((a, c) => a + c.ms, 0).toFixed(1);
    console.log(`\nDOM calls per keystroke (${KEYS} synthetic keystrokes into bubble 6's title; the page's DOM APIs wrapped, counted and timed by the view they touch; \`detached\`: nodes built but not yet inserted). Time inside these calls: ${total(counted)} ms (layout mode) and ${total(countedForm)} ms (form mode) of a \`dom\` of ${counted.dom.toFixed(1)} and ${countedForm.dom.toFixed(1)} ms (the wrapping adds to both):\n`);
    console.log('| call @ view | レイアウト: calls | ms | かんたん入力: calls | ms |\n|---|---|---|---|---|');
    for (const key of keys.slice(0, 24)) {
      const l = of(counted, key);
      const f = of(countedForm, key);
      console.log(`| \`${key}\` | ${l.n.toFixed(1)} | ${l.ms.toFixed(2)} | ${f.n.toFixed(1)} | ${f.ms.toFixed(2)} |`);
    }
  }
  if (prof) {
    const per = (t, keys = prof.keys) => (t / keys).toFixed(1);
    console.log(`\nCPU profile (CDP Profiler, 100 µs sampling) of ${prof.keys} synthetic keystrokes in the layout mode (bubbles 1-3): ${per(prof.busy)} ms busy per keystroke (the harness's forced layout and checks included), of which in the WASM's own functions ${per(prof.wasmSelf)} ms. \`(program)\` is the browser's native work outside script (style, layout, paint). Top self time:\n`);
    console.log('| function | ms per keystroke |\n|---|---|');
    for (const [name, t] of prof.top) console.log(`| \`${name}\` | ${per(t)} |`);
    const names = [...new Set(variants.flatMap(([, v]) => [...v.self].filter(([, t]) => t / v.keys >= 0.3).map(([name]) => name)))]
      .sort((x, y) => (variants[0][1].self.get(y) ?? 0) - (variants[0][1].self.get(x) ?? 0));
    console.log(`\nTrace (CDP Tracing, devtools.timeline) of ${variants.map(([, v]) => v.keys).join(', ')} synthetic keystrokes (layout mode, 12 bubbles unless said), renderer main thread, self time (an event's time less the events inside it) in ms per keystroke; script's self time includes the DOM calls it makes:\n`);
    console.log(`| trace event | ${variants.map(([v]) => v).join(' | ')} |\n|---|${variants.map(() => '---|').join('')}`);
    for (const name of names) console.log(`| ${name} | ${variants.map(([, v]) => per(v.self.get(name) ?? 0, v.keys)).join(' | ')} |`);
    console.log(`| elements restyled per keystroke (UpdateLayoutTree) | ${variants.map(([, v]) => (v.styled / v.keys).toFixed(0)).join(' | ')} |`);
    console.log(`| layout objects dirty per keystroke (Layout) | ${variants.map(([, v]) => (v.laidOut / v.keys).toFixed(0)).join(' | ')} |`);
    console.log(`| **main thread's tasks, wall time per keystroke** | ${variants.map(([, v]) => per(v.taskWall, v.keys)).join(' | ')} |`);
    console.log(`| **… of which the thread had the CPU** (thread time) | ${variants.map(([, v]) => per(v.taskCpu, v.keys)).join(' | ')} |`);
    const why = [...invalidated.why].sort((a, b) => b[1] - a[1]).slice(0, 25);
    console.log(`\nStyle and layout invalidations (trace category devtools.timeline.invalidationTracking) of ${invalidated.keys} keystrokes, by kind, reason and element, per keystroke:\n`);
    console.log('| kind | reason | element | per keystroke |\n|---|---|---|---|');
    for (const [key, count] of why) console.log(`| ${key.replaceAll('`', '')} | ${(count / invalidated.keys).toFixed(1)} |`);
  }
  console.log(`\nLoad average at the end of the run: ${loadAfter} (2 CPUs, shared).`);
  }
} finally {
  await browser.close();
  await server.stop();
}
