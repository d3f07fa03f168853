/* Machidayori LIFF page script: hand-written ES2019, no build step (liff/README.md).
 * Survey page: get the citizen's ID token, POST it to data-session-url, reload.
 * Completion page (data-close="1"): wire the close button.
 * The token goes only into the POST body; it is never logged. */
(() => {
  'use strict';
  let d = {};
  let mode = 'line';
  const $ = (id) => document.getElementById(id);
  const MSG_SANDBOX = 'このページは LINEシミュレーターから開いてください。';
  const MSG_OPENID = 'LINE の設定で「openid」の権限が必要です。市の担当者にお知らせください。';
  const MSG_EXPIRED = 'ログインの有効期限が切れたか、スマートフォンの日時がずれている可能性があります。日時の設定を確認して、「もう一度読み込む」を押してください。';
  const MSG_NETWORK = 'LINE との接続に失敗しました。通信状態を確認して、「もう一度読み込む」を押してください。';

  const say = (text, retry) => {
    const s = $('liff-status');
    if (s) s.textContent = text;
    const b = $('liff-retry');
    if (b && retry) b.hidden = false;
  };

  // sandbox/mock: token from "#id_token=..."; drop the hash at once.
  const hashToken = () => {
    const token = new URLSearchParams(location.hash.slice(1)).get('id_token');
    if (location.hash) history.replaceState(history.state, '', location.pathname + location.search);
    return token || null;
  };

  // LIFF Mock only takes over when init gets `mock: true`.
  const init = () => window.liff.init({ liffId: d.liffId || '', mock: mode === 'mock' });

  const openSession = async (token) => {
    let res;
    try {
      res = await fetch(d.sessionUrl || '/liff/session', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ id_token: token }),
      });
    } catch (e) {
      return say(MSG_NETWORK, true);
    }
    if (res.ok) return location.reload(); // the server now renders the form
    // Error body: {"message": "...", "retry": bool}; anything else counts as a network error.
    const body = await res.json().catch(() => null);
    if (body && body.message) say(String(body.message), body.retry === true);
    else say(MSG_NETWORK, true);
  };

  const survey = async () => {
    let token = null;
    if (mode !== 'line') {
      token = hashToken();
      if (mode === 'sandbox') return token ? openSession(token) : say(MSG_SANDBOX, false);
      window.liff.$mock.set((p) => ({ ...p, getIDToken: token, isInClient: true, isLoggedIn: true }));
    }
    const liff = window.liff;
    try {
      await init();
    } catch (e) {
      const expired = (e && e.code) === 'INVALID_ID_TOKEN' || /ID_TOKEN|"exp"|expire/i.test(String(e && e.message));
      return say(expired ? MSG_EXPIRED : MSG_NETWORK, true);
    }
    if (!liff.isLoggedIn()) return liff.login({ redirectUri: location.href }); // leaves the page
    token = liff.getIDToken();
    return token ? openSession(token) : say(MSG_OPENID, false);
  };

  const completion = async () => {
    const btn = $('liff-close');
    const hint = $('liff-close-hint');
    let inClient = false;
    if (mode !== 'sandbox') {
      try {
        await init();
        inClient = window.liff.isInClient();
      } catch (e) { /* fall back to the hint */ }
    }
    if (inClient && btn) {
      btn.hidden = false;
      btn.addEventListener('click', () => window.liff.closeWindow());
    } else {
      if (btn) btn.hidden = true;
      if (hint) hint.hidden = false;
    }
  };

  const onRetry = () => {
    try {
      const liff = window.liff;
      // An expired token cached in sessionStorage is only dropped by logout.
      if (mode !== 'sandbox' && liff && liff.isLoggedIn && liff.isLoggedIn()) liff.logout();
    } catch (e) { /* reload anyway */ }
    location.reload();
  };

  const run = () => {
    d = document.body.dataset;
    mode = d.mode || 'line';
    const retry = $('liff-retry');
    if (retry) retry.addEventListener('click', onRetry);
    (d.close === '1' ? completion() : survey()).catch(() => say(MSG_NETWORK, true));
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', run);
  else run();
})();
