/*
 * page.test.js: the status page in a real headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core; no browser download).
 *
 * Against tests/browser/fixture_server.js, which answers with bodies the
 * web/ renderers produced (render_samples) and the real `oaprobe
 * validports`, and against the real HTTP API (service/api*.c serving the
 * embedded page, tokens, CSP) with the fake daemon of tests/integration/api
 * (api_fake), and against the real `oaprobe serve` watching the lab
 * (serve_lab.py: six scenarios; one taken down and brought back). Checks: the overview shows every target's state (text and
 * icon, never colour alone), what is wrong, certificate days and the 90-day
 * bar; the target page shows layers, diagnoses with remedies, certificate,
 * chart with its text alternative, incidents; a target broken then mended
 * at run time changes on the open page without a reload; "run now" is
 * refused without a write token and works with it; the ValidPorts page
 * corrects the Exchange 2003 default; no console error or failed request;
 * the keyboard reaches every control; 1,000 targets render and update fast
 * (figures printed). Screenshots at desktop, phone and kiosk sizes go to
 * $OUT (git-ignored test-output/).
 *
 * Environment: OAPROBE (the binary), API_FAKE, SAMPLES (render_samples output),
 * PAGE (web/page), OUT (screenshots), CHROMIUM (default /usr/bin/chromium).
 */
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { chromium } = require('playwright-core');

const OUT = process.env.OUT || path.join(__dirname, 'test-output');
const WRITE_TOKEN = 'page-test-write-token';
fs.mkdirSync(OUT, { recursive: true });

function startFixture(extra) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [path.join(__dirname, 'fixture_server.js'), '--samples', process.env.SAMPLES,
      '--page', process.env.PAGE, '--oaprobe', process.env.OAPROBE, ...(extra || [])],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /listening (\S+)/.exec(buf);
      if (m) resolve({ proc: p, url: m[1] });
    });
    p.on('exit', (c) => reject(new Error('fixture server exited ' + c)));
  });
}

/* The real HTTP API (service/api*.c on the loop, the embedded page) with a
 * fake daemon: tests/integration/api/api_fake.c. */
function startApiFake(store, flags) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.env.API_FAKE, ['--store', store, ...(flags || [])], { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    p.stdout.on('data', (d) => {
      buf += d;
      const m = /port4 (\d+)/.exec(buf);
      if (m) resolve({ proc: p, url: 'http://127.0.0.1:' + m[1] });
    });
    p.on('exit', (c) => reject(new Error('api_fake exited ' + c)));
  });
}
/* The real `oaprobe serve` watching the lab (serve_lab.py). */
function startServeLab() {
  return new Promise((resolve, reject) => {
    const p = spawn('/usr/bin/python3', [path.join(__dirname, 'serve_lab.py'), '--oaprobe', process.env.OAPROBE],
      { stdio: ['pipe', 'pipe', 'inherit'] });
    let buf = '';
    const waiting = [];
    p.stdout.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('{')) {
          const info = JSON.parse(line);
          resolve(Object.assign(info, {
            proc: p,
            command: (c) => new Promise((res, rej) => {
              waiting.push((answer) => (answer === 'ok' ? res() : rej(new Error(c + ': ' + answer))));
              p.stdin.write(c + '\n');
            }),
          }));
        } else if (waiting.length) {
          waiting.shift()(line);
        }
      }
    });
    p.on('exit', (c) => reject(new Error('serve_lab.py exited ' + c)));
  });
}

const FAKE_WRITER = 'write-secret-0123456789abcdef';
const FAKE_READER = 'read-secret-0123456789abcdef';

async function post(url, body) {
  const r = await fetch(url, { method: 'POST', body: JSON.stringify(body) });
  assert.equal(r.status, 200, url);
  return r.json();
}

/* Watch a page for console errors, page errors and failed requests. */
let cutByTest = 0; /* API reads aborted by the test's own navigation (printed) */
function watch(page, problems) {
  page.on('console', (m) => {
    /* the refusals the run-now test asks for are logged by Chromium too */
    const expected = /\/run$/.test(m.location().url) && /status of 40[13]/.test(m.text());
    if (m.type() === 'error' && !expected) problems.push('console: ' + m.text() + ' (' + m.location().url + ')');
  });
  page.on('pageerror', (e) => problems.push('pageerror: ' + e.message));
  /* While the test navigates or closes the tab, the browser aborts the
   * page's API reads in flight: a live result (every few seconds from the
   * real service) starts one at any moment, also right after settle(), and
   * on a loaded machine it is still running when the test moves on
   * (seen: no-rpcproxy's daily, incidents and results, net::ERR_ABORTED).
   * Those aborts are the test's doing; every other failure counts. */
  let leaving = 0;
  for (const m of ['goto', 'reload', 'close']) {
    const real = page[m].bind(page);
    page[m] = async (...args) => {
      leaving++;
      try { return await real(...args); } finally { leaving--; }
    };
  }
  page.on('requestfailed', (r) => {
    if (process.env.DEBUG) console.log('requestfailed', Date.now(), r.url(), r.failure().errorText);
    /* the event stream is cut when the page is closed or navigates */
    if (r.url().endsWith('/api/v1/events')) return;
    if (leaving && r.failure().errorText === 'net::ERR_ABORTED' && r.method() === 'GET' &&
        new URL(r.url()).pathname.startsWith('/api/')) { cutByTest++; return; }
    problems.push('failed: ' + r.url() + ' ' + r.failure().errorText);
  });
  /* DEBUG=1: every request on stdout, to find the one that failed */
  if (process.env.DEBUG) page.on('request', (r) => console.log('request', Date.now(), r.method(), r.url()));
  if (process.env.DEBUG) page.on('requestfinished', (r) => console.log('finished', Date.now(), r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.request().url().endsWith('/run')) problems.push('HTTP ' + r.status() + ' ' + r.url());
  });
}

/* Wait until the page has no API request in flight for a while (a run's
 * result also arrives on the stream and makes the page read again). */
async function settle(page) {
  for (let i = 0; i < 2; i++) {
    await page.waitForTimeout(300);
    await page.waitForFunction(() => window.oaprobeBusy === 0);
  }
}

const tests = [];
function test(name, fn) { tests.push({ name, fn }); }

let browser, fx, fxMany, fake, fakeRo, serve;
const problems = [];
const figures = {};

/* A new tab (its own sessionStorage) at a viewport size; ctx.close()
 * closes the tab. */
async function newPage(viewport, colorScheme) {
  const page = await browser.newPage();
  await page.setViewportSize(viewport || { width: 1366, height: 900 });
  await page.emulateMedia({ colorScheme: colorScheme || 'light' });
  watch(page, problems);
  return { ctx: { close: () => page.close() }, page };
}

test('overview: banner, every target with state, what is wrong, cert days and 90-day bar', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/');
  await page.waitForSelector('tbody tr[data-name="contoso-vp"]');
  const banner = await page.textContent('.banner');
  assert.match(banner, /Outage/);
  assert.match(banner, /2 critical/);
  assert.match(banner, /1 warning/);
  assert.match(banner, /1 in maintenance/);
  const want = { 'contoso-mail': 'OK', 'fabrikam-cert': 'Warning', 'contoso-vp': 'Critical',
    'tailspin-backend': 'Critical', 'many-labels': 'Pending', 'odd-labels': 'Critical' };
  for (const [name, word] of Object.entries(want)) {
    const st = await page.textContent(`tr[data-name="${name}"] td.st`);
    assert.ok(st.includes(word), name + ': ' + st);
    /* never colour alone: an icon and a word */
    assert.match(st, /[\u2714!\u2716?\u2026]/);
  }
  assert.match(await page.textContent('tr[data-name="contoso-vp"] td.what'), /validports_missing_entry: .*ValidPorts has no entry/);
  assert.match(await page.textContent('tr[data-name="fabrikam-cert"] td.what'), /expires on 2025-12-01/);
  assert.equal((await page.textContent('tr[data-name="fabrikam-cert"] td:nth-child(4)')).trim(), '9 d');
  assert.equal((await page.textContent('tr[data-name="many-labels"] td.what')).trim(), 'No run yet');
  /* severity order: critical first, ok last */
  const order = await page.$$eval('tbody tr', (rs) => rs.map((r) => r.dataset.name));
  assert.equal(order[order.length - 1], 'contoso-mail');
  await page.waitForFunction(() => document.querySelector('tr[data-name="contoso-mail"] .bar90').getAttribute('aria-label').startsWith('90 days'));
  const bar = await page.getAttribute('tr[data-name="contoso-mail"] .bar90', 'aria-label');
  assert.match(bar, /^90 days: \d+ fully available, \d+ with failures, \d+ without data/);
  /* filters: state and label, kept in the URL */
  await page.selectOption('#f-state', 'warning');
  assert.equal(await page.$$eval('tbody tr:not([hidden])', (r) => r.length), 1);
  assert.match(page.url(), /state=warning/);
  await page.selectOption('#f-state', '');
  await page.selectOption('#f-label', 'phase=cutover');
  const shown = await page.$$eval('tbody tr:not([hidden])', (r) => r.map((x) => x.dataset.name));
  assert.ok(shown.includes('contoso-mail') && !shown.includes('many-labels'), shown.join());
  await page.selectOption('#f-label', '');
  await page.fill('#f-q', 'fabrikam');
  assert.equal(await page.$$eval('tbody tr:not([hidden])', (r) => r.length), 1);
  await page.fill('#f-q', '');
  await page.selectOption('#f-sort', 'name');
  const byName = await page.$$eval('tbody tr', (rs) => rs.map((r) => r.dataset.name));
  assert.deepEqual(byName, [...byName].sort());
  await page.selectOption('#f-sort', 'severity');
  await page.screenshot({ path: path.join(OUT, 'overview-desktop.png'), fullPage: true });
  await ctx.close();
});

test('target page: layers, diagnoses with remedies, certificate, chart, incidents', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/t/contoso-vp');
  await page.waitForSelector('#h-inc');
  assert.equal(await page.textContent('h1'), 'contoso-vp');
  assert.match(await page.textContent('.headline'), /Critical/);
  const layers = await page.$$eval('.layers tbody tr[data-step]', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
  const names = layers.map((r) => r[0]);
  for (const l of ['DNS', 'TCP', 'TLS', 'Echo (anonymous)', 'Echo (authenticated)', 'Tunnel', 'Bind']) assert.ok(names.includes(l), l);
  const bad = layers.find((r) => r[0] === 'Tunnel' && r[1] === 'exch01.contoso.local:6001');
  assert.ok(bad, 'tunnel exch01.contoso.local:6001 row');
  assert.match(bad[2], /Critical/);
  assert.match(bad[4], /503 RPC Error: 6ba/);
  const diag = await page.textContent('.diag[data-code="validports_missing_entry"]');
  assert.match(diag, /ValidPorts has no entry/);
  assert.match(diag, /What to do: add exch01\.contoso\.local:6001 to ValidPorts/);
  assert.match(await page.textContent('#h-cert + dl'), /mail\.contoso\.com/);
  const alt = await page.textContent('.chart svg desc');
  assert.match(alt, /runs from .* failed; median response time/);
  assert.match(alt, /Daily availability over 3 days/);
  assert.match(await page.textContent('.incidents'), /ongoing/);
  /* newest first; the oldest is the new target's first state: it was
   * pending, not unknown */
  const incs = await page.$$eval('.incidents li', (ls) => ls.map((l) => l.textContent));
  assert.equal(incs.length, 3, incs.join(' | '));
  assert.match(incs[0], /^\W*OK \u2192 \W*Critical/);
  assert.match(incs[2], /^\W*Pending \u2192 \W*Critical .*, lasted 10 min/);
  assert.ok(!incs.some((t) => /Unknown/.test(t)), incs.join(' | '));
  await page.screenshot({ path: path.join(OUT, 'target-desktop.png'), fullPage: true });
  await ctx.close();
});

test('a target broken then mended changes on the open page without reload', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/');
  await page.waitForSelector('tr[data-name="contoso-mail"]');
  await page.evaluate(() => { window.noReload = 1; });
  await page.waitForFunction(() => /Live/.test(document.getElementById('live').textContent));
  await post(fx.url + '/_fixture/set/contoso-mail', { status: 'critical', last_status: 'critical', reason: 'backend_unreachable',
    message: 'the RPC proxy refuses port 6001 under every name tried', codes: ['backend_unreachable'] });
  await page.waitForFunction(() => /Critical/.test(document.querySelector('tr[data-name="contoso-mail"] td.st').textContent));
  assert.match(await page.textContent('tr[data-name="contoso-mail"] td.what'), /refuses port 6001/);
  /* the banner follows in the next frame */
  await page.waitForFunction(() => /3 critical/.test(document.querySelector('.banner').textContent));
  await post(fx.url + '/_fixture/set/contoso-mail', { status: 'ok', last_status: 'ok', reason: null, message: null, codes: [] });
  await page.waitForFunction(() => /OK/.test(document.querySelector('tr[data-name="contoso-mail"] td.st').textContent));
  await page.waitForFunction(() => /2 critical/.test(document.querySelector('.banner').textContent));
  assert.equal(await page.evaluate(() => window.noReload), 1, 'the page was reloaded');
  await ctx.close();
});

test('a blocked API target: its row, the banner, the order, the filters and its page say it is not run and why', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/');
  await page.waitForSelector('tr[data-name="contoso-mail"]');
  await page.waitForFunction(() => /Live/.test(document.getElementById('live').textContent));
  /* contoso-mail (the only ok target) becomes blocked: its last state, ok,
   * stays in the summary as the API keeps it */
  const why = 'host: the target carries credentials and host "mail.contoso.com" is not in api.allow_hosts (list it there, or use depth tls or echo)';
  await post(fx.url + '/_fixture/set/contoso-mail', { blocked: why });
  await page.waitForFunction(() => /Blocked/.test(document.querySelector('tr[data-name="contoso-mail"] td.st').textContent));
  const st = await page.textContent('tr[data-name="contoso-mail"] td.st');
  assert.ok(!/OK/.test(st), st);
  assert.match(st, /\u2298/);
  assert.equal((await page.textContent('tr[data-name="contoso-mail"] td.what')).trim(), 'Not run: ' + why);
  await page.waitForFunction(() => /1 blocked \(not run\)/.test(document.getElementById('banner-counts').textContent));
  assert.equal(await page.textContent('#banner-counts'),
    '2 critical \u00b7 1 blocked (not run) \u00b7 1 warning \u00b7 1 pending \u00b7 1 in maintenance (6 targets)');
  assert.match(await page.textContent('#banner-title'), /Outage/);
  /* severity order: after the critical ones, before the warning */
  const order = await page.$$eval('tbody tr', (rs) => rs.map((r) => r.dataset.name));
  assert.ok(order.indexOf('contoso-mail') > order.indexOf('tailspin-backend') &&
    order.indexOf('contoso-mail') < order.indexOf('fabrikam-cert'), order.join());
  const shown = async () => page.$$eval('tbody tr:not([hidden])', (r) => r.map((x) => x.dataset.name));
  await page.selectOption('#f-state', 'blocked');
  assert.deepEqual(await shown(), ['contoso-mail']);
  await page.selectOption('#f-state', 'problems');
  assert.ok((await shown()).includes('contoso-mail'));
  await page.selectOption('#f-state', 'ok');
  assert.deepEqual(await shown(), []);
  await page.selectOption('#f-state', '');
  await page.fill('#f-q', 'allow_hosts');
  assert.deepEqual(await shown(), ['contoso-mail']);
  await page.fill('#f-q', '');
  await page.screenshot({ path: path.join(OUT, 'overview-blocked.png'), fullPage: true });
  /* its page: the badge says blocked, not its last state */
  await page.goto(fx.url + '/t/contoso-mail');
  await page.waitForSelector('.headline');
  const head = await page.textContent('.headline');
  assert.match(head, /Blocked/);
  assert.ok(!/OK/.test(head), head);
  assert.ok((await page.textContent('main')).includes('Not run: ' + why));
  assert.ok(!/Every layer works/.test(await page.textContent('main')));
  /* unblocked (a PUT, or a wider api.allow_hosts): its state again */
  await post(fx.url + '/_fixture/set/contoso-mail', { blocked: null });
  await page.goto(fx.url + '/');
  await page.waitForFunction(() => {
    const c = document.querySelector('tr[data-name="contoso-mail"] td.st');
    return c && /OK/.test(c.textContent);
  });
  assert.ok(!/blocked/.test(await page.textContent('#banner-counts')));
  await ctx.close();
});

test('run now: refused without a write token, works with one', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/t/contoso-mail');
  await page.waitForSelector('#h-inc');
  assert.equal(await page.isDisabled('#run-now'), true, 'run now needs a token');
  assert.match(await page.textContent('#run-msg'), /Enter a write token/);
  /* the API itself refuses a run without a token */
  const r = await page.evaluate(async () => (await fetch('/api/v1/targets/contoso-mail/run', { method: 'POST' })).status);
  assert.equal(r, 401);
  /* a token without write scope: the page says it was refused */
  await page.click('#token-box summary');
  await page.fill('#token-input', 'read-only-token');
  await page.press('#token-input', 'Enter');
  await page.click('#run-now');
  await page.waitForFunction(() => /Refused \(403\)/.test(document.getElementById('run-msg').textContent), null, { timeout: 5000 })
    .catch(async (e) => { throw new Error(e.message + ' run-msg: ' + await page.textContent('#run-msg')); });
  /* the write token: the run happens */
  await page.click('#token-box summary');
  await page.fill('#token-input', WRITE_TOKEN);
  await page.press('#token-input', 'Enter');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('oaprobe.token')), WRITE_TOKEN);
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing in localStorage');
  await page.click('#run-now');
  await page.waitForFunction(() => /^Done: OK/.test(document.getElementById('run-msg').textContent));
  await settle(page);
  await ctx.close();
});

test('ValidPorts page corrects the Exchange 2003 default', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/validports');
  await page.fill('#vp-value', 'EXCH01:100-5000');
  await page.fill('#vp-names', 'EXCH01, exch01.contoso.local');
  await page.click('#vp-check');
  await page.waitForSelector('#vp-corrected');
  assert.match(await page.textContent('#vp-out h2'), /Incomplete/);
  const missing = await page.$$eval('#vp-missing li', (l) => l.map((x) => x.textContent));
  assert.ok(missing.includes('exch01.contoso.local:6001') && missing.includes('EXCH01:6004'), missing.join());
  assert.equal(await page.textContent('#vp-corrected'),
    'EXCH01:100-5000;EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002;exch01.contoso.local:6004');
  await page.screenshot({ path: path.join(OUT, 'validports-desktop.png'), fullPage: true });
  await ctx.close();
});

test('keyboard navigation reaches every control', async () => {
  for (const url of ['/', '/t/contoso-vp', '/validports']) {
    const { ctx, page } = await newPage();
    await page.goto(fx.url + url);
    await page.waitForFunction(() => window.oaprobeRendered || document.getElementById('vp-value'));
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
    const controls = await page.$$eval('a[href], button, input, select, textarea, summary',
      (els) => els.filter((e) => !e.disabled && e.offsetParent !== null && !e.closest('[hidden]'))
        .map((e) => e.outerHTML.slice(0, 80)));
    const reached = new Set();
    for (let i = 0; i < controls.length + 10; i++) {
      await page.keyboard.press('Tab');
      const h = await page.evaluate(() => document.activeElement && document.activeElement.outerHTML.slice(0, 80));
      if (h) reached.add(h);
    }
    const missed = controls.filter((c) => !reached.has(c));
    assert.deepEqual(missed, [], url + ': not reachable by Tab');
    /* a visible focus indicator */
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', url + ': focus is invisible');
    await ctx.close();
  }
});

test('screenshots: phone, kiosk, dark', async () => {
  let { ctx, page } = await newPage({ width: 390, height: 844 });
  await page.goto(fx.url + '/');
  await page.waitForFunction(() => window.oaprobeRendered);
  await page.screenshot({ path: path.join(OUT, 'overview-phone.png'), fullPage: true });
  await page.goto(fx.url + '/t/contoso-vp');
  await page.waitForSelector('#h-inc');
  await page.screenshot({ path: path.join(OUT, 'target-phone.png'), fullPage: true });
  await ctx.close();
  ({ ctx, page } = await newPage({ width: 1920, height: 1080 }));
  await page.goto(fx.url + '/?kiosk=1');
  await page.waitForFunction(() => window.oaprobeRendered);
  assert.equal(await page.isVisible('.filters'), false, 'kiosk hides the controls');
  const size = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
  assert.ok(size >= 20, 'kiosk type is large: ' + size);
  await page.screenshot({ path: path.join(OUT, 'overview-kiosk.png') });
  await ctx.close();
  ({ ctx, page } = await newPage({ width: 1366, height: 900 }, 'dark'));
  await page.goto(fx.url + '/t/fabrikam-cert');
  await page.waitForSelector('#h-inc');
  await page.screenshot({ path: path.join(OUT, 'target-dark.png'), fullPage: true });
  await ctx.close();
});

/* WCAG 2 contrast of every text that carries a state, the banner, links
 * and muted text, in light and dark: AA is 4.5:1. */
test('contrast AA in light and dark', async () => {
  for (const scheme of ['light', 'dark']) {
    for (const url of ['/', '/t/contoso-vp']) {
      const { ctx, page } = await newPage({ width: 1366, height: 900 }, scheme);
      await page.goto(fx.url + url);
      await page.waitForFunction(() => window.oaprobeRendered);
      const low = await page.evaluate(() => {
        const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
        const lum = ([r, g, b]) => {
          const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
          return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
        };
        const bg = (e) => {
          for (; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
          }
          return rgb(getComputedStyle(document.body).backgroundColor);
        };
        const out = [];
        let checked = 0;
        for (const e of document.querySelectorAll('.state, .banner, .banner .counts, a, .muted, .host, .tag, .what, .diag p, th, td')) {
          if (!e.offsetParent) continue;
          checked++;
          const a = lum(rgb(getComputedStyle(e).color)), b = lum(bg(e));
          const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
          if (ratio < 4.5) out.push(e.className + ' "' + e.textContent.slice(0, 30) + '" ' + ratio.toFixed(2));
        }
        return { out, checked };
      });
      assert.ok(low.checked > 30, scheme + ' ' + url + ': only ' + low.checked + ' elements checked');
      assert.deepEqual(low.out, [], scheme + ' ' + url + ': below 4.5:1');
      await ctx.close();
    }
  }
});

test('1,000 targets: time to first render and to apply an update', async () => {
  const { ctx, page } = await newPage();
  const t0 = Date.now();
  await page.goto(fxMany.url + '/');
  await page.waitForFunction(() => window.oaprobeFirstRender !== undefined, null, { timeout: 30000 });
  const wall = Date.now() - t0;
  const n = await page.$$eval('tbody tr', (r) => r.length);
  assert.ok(n >= 1000, 'rows: ' + n);
  const first = await page.evaluate(() => window.oaprobeFirstRender);
  /* one update as it arrives from the stream, then a burst of 100 */
  const upd = await page.evaluate(async () => {
    const r = await fetch('/api/v1/targets/site-0500');
    const t = await r.json();
    t.status = 'critical';
    const single = window.oaprobeApply(t);
    /* 100 results in one frame, as the stream delivers a burst: patched
     * at once, arranged once in the next frame; first with new latencies
     * only (the usual case), then each one changing state (rows move) */
    const frame = () => new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    const names = Array.from({ length: 100 }, (_, i) => 'site-' + String(i * 7).padStart(4, '0'));
    const now = {};
    for (const n of names) now[n] = await (await fetch('/api/v1/targets/' + n)).json();
    await frame();
    let t1 = performance.now();
    for (const n of names) window.oaprobeQueue(Object.assign({}, now[n], { latency_seconds: 0.5 + Math.random() }));
    await frame();
    const latencies = performance.now() - t1;
    t1 = performance.now();
    names.forEach((n, i) => window.oaprobeQueue(Object.assign({}, now[n], { status: i % 2 ? 'ok' : 'warning' })));
    await frame();
    return { single, latencies, burst: performance.now() - t1 };
  });
  /* and one through the real event stream, to the painted row */
  const sse = await page.evaluate(async () => {
    const t1 = performance.now();
    await fetch('/_fixture/set/site-0777', { method: 'POST', body: JSON.stringify({ status: 'unknown' }) });
    await new Promise((res) => {
      const f = () => (/Unknown/.test(document.querySelector('tr[data-name="site-0777"] td.st').textContent) ? res() : requestAnimationFrame(f));
      f();
    });
    return performance.now() - t1;
  });
  figures['1000 targets: first render (script, ms)'] = first.toFixed(1);
  figures['1000 targets: navigation to rendered (wall, ms)'] = wall;
  figures['1000 targets: apply one update (ms)'] = upd.single.toFixed(2);
  figures['1000 targets: 100 results (new latencies) to next frame (ms)'] = upd.latencies.toFixed(1);
  figures['1000 targets: 100 state changes (rows move) to next frame (ms)'] = upd.burst.toFixed(1);
  figures['1000 targets: event stream to painted row (ms)'] = sse.toFixed(1);
  await page.screenshot({ path: path.join(OUT, 'overview-1000.png') });
  await ctx.close();
});

test('served by the real API (api_fake): embedded page under its CSP, run now, ValidPorts, history', async () => {
  const { ctx, page } = await newPage();
  const res = await page.goto(fake.url + '/');
  assert.match(res.headers()['content-security-policy'], /script-src 'self'/);
  assert.match(res.headers().etag, /^"[0-9a-f]{32}"$/);
  await page.waitForFunction(() => window.oaprobeRendered);
  assert.equal(await page.$$eval('tbody tr', (r) => r.length), 6);
  assert.match(await page.textContent('tr[data-name="contoso-vp"] td.what'), /ValidPorts has no entry/);
  await page.goto(fake.url + '/t/contoso-mail');
  await page.waitForSelector('#h-inc');
  assert.match(await page.textContent('.chart svg desc'), /^\d+ runs from /);
  assert.equal(await page.isDisabled('#run-now'), true);
  assert.equal(await page.evaluate(async () => {
    const r = await fetch('/api/v1/targets/contoso-mail/run', { method: 'POST' });
    await r.text();
    return r.status;
  }), 401);
  await page.click('#token-box summary');
  await page.fill('#token-input', FAKE_READER);
  await page.press('#token-input', 'Enter');
  await page.click('#run-now');
  await page.waitForFunction(() => /Refused \(403\)/.test(document.getElementById('run-msg').textContent));
  await page.click('#token-box summary');
  await page.fill('#token-input', FAKE_WRITER);
  await page.press('#token-input', 'Enter');
  await page.click('#run-now');
  await page.waitForFunction(() => /^Done: /.test(document.getElementById('run-msg').textContent));
  await settle(page);
  await page.goto(fake.url + '/validports?kiosk=1');
  await page.fill('#vp-value', 'EXCH01:100-5000');
  await page.fill('#vp-names', 'EXCH01 exch01.contoso.local');
  await page.click('#vp-check');
  await page.waitForSelector('#vp-corrected');
  assert.equal(await page.textContent('#vp-corrected'),
    'EXCH01:100-5000;EXCH01:6001-6002;EXCH01:6004;exch01.contoso.local:6001-6002;exch01.contoso.local:6004');
  await ctx.close();
});

/* The API requests a page makes: [path, Authorization header]. */
function apiRequests(page, base) {
  const seen = [];
  page.on('request', (r) => {
    if (r.url().startsWith(base + '/api/')) seen.push([r.url().slice(base.length), r.headers().authorization || '']);
  });
  return seen;
}

test('read_requires_token: live updates come through a fetch() stream with the token, no polling', async () => {
  const { ctx, page } = await newPage();
  const seen = apiRequests(page, fakeRo.url);
  await page.addInitScript((t) => sessionStorage.setItem('oaprobe.token', t), FAKE_READER);
  await page.goto(fakeRo.url + '/');
  await page.waitForFunction(() => window.oaprobeRendered && window.oaprobeStream);
  assert.equal(await page.evaluate(() => window.oaprobeStream), 'fetch');
  assert.equal(await page.$$eval('tbody tr', (r) => r.length), 6);
  await page.waitForFunction(() => /^Live/.test(document.getElementById('live').textContent));
  for (let i = 0; i < 2; i++) {
    await page.evaluate(() => { window.oaprobeLastUpdate = undefined; });
    /* a run through the API: its result goes out on the event stream */
    const r = await fetch(fakeRo.url + '/api/v1/targets/contoso-mail/run?wait=false',
      { method: 'POST', headers: { Authorization: 'Bearer ' + FAKE_WRITER } });
    assert.equal(r.status, 202);
    await page.waitForFunction(() => window.oaprobeLastUpdate !== undefined, null, { timeout: 10000 });
  }
  const events = seen.filter(([u]) => u === '/api/v1/events');
  assert.equal(events.length, 1, JSON.stringify(seen));
  assert.equal(events[0][1], 'Bearer ' + FAKE_READER);
  /* one read of the list (the first), none since: no polling */
  assert.equal(seen.filter(([u]) => u === '/api/v1/targets').length, 1, JSON.stringify(seen));
  /* the target page follows the same stream */
  await page.goto(fakeRo.url + '/t/contoso-mail');
  await page.waitForSelector('#h-inc');
  await page.waitForFunction(() => window.oaprobeStream === 'fetch' && /^Live/.test(document.getElementById('live').textContent));
  const before = seen.filter(([u]) => u === '/api/v1/targets/contoso-mail').length;
  const r = await fetch(fakeRo.url + '/api/v1/targets/contoso-mail/run?wait=false',
    { method: 'POST', headers: { Authorization: 'Bearer ' + FAKE_WRITER } });
  assert.equal(r.status, 202);
  /* the result on the stream makes the page read the target again */
  for (let i = 0; i < 100 && seen.filter(([u]) => u === '/api/v1/targets/contoso-mail').length <= before; i++) {
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.ok(seen.filter(([u]) => u === '/api/v1/targets/contoso-mail').length > before, JSON.stringify(seen));
  await settle(page);
  await ctx.close();
});

test('read_requires_token: a token entered after the refusal loads the list and starts the stream', async () => {
  const { ctx, page } = await newPage();
  const before = problems.length;
  await page.goto(fakeRo.url + '/');
  await page.waitForFunction(() => /Cannot read the API/.test(document.getElementById('banner-title').textContent));
  assert.match(await page.textContent('#banner-counts'), /enter a read token/);
  /* the refusals asked for here are not problems */
  problems.splice(before).forEach((p) => assert.match(p, /401/, p));
  await page.click('#token-box summary');
  await page.fill('#token-input', FAKE_READER);
  await page.press('#token-input', 'Enter');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 6 && window.oaprobeStream === 'fetch');
  await page.waitForFunction(() => /^Live/.test(document.getElementById('live').textContent));
  await settle(page);
  await ctx.close();
});

test('read_requires_token in a browser that cannot stream: the page falls back to polling', async () => {
  const { ctx, page } = await newPage();
  const seen = apiRequests(page, fakeRo.url);
  await page.addInitScript((t) => {
    sessionStorage.setItem('oaprobe.token', t);
    delete window.ReadableStream; /* as a browser without fetch streaming */
  }, FAKE_READER);
  await page.goto(fakeRo.url + '/');
  await page.waitForFunction(() => window.oaprobeRendered && window.oaprobeStream);
  assert.equal(await page.evaluate(() => window.oaprobeStream), 'poll');
  /* a target added through the API */
  const r = await fetch(fakeRo.url + '/api/v1/targets/polled-new', {
    method: 'PUT', body: JSON.stringify({ host: 'mail.example.org' }),
    headers: { Authorization: 'Bearer ' + FAKE_WRITER, 'Content-Type': 'application/json' },
  });
  assert.equal(r.status, 201);
  /* the next read of the list (every 15 s) brings it */
  await page.waitForSelector('tr[data-name="polled-new"]', { timeout: 20000 });
  assert.equal(seen.filter(([u]) => u === '/api/v1/events').length, 0, JSON.stringify(seen));
  assert.ok(seen.filter(([u]) => u === '/api/v1/targets').length >= 3, JSON.stringify(seen));
  assert.match(await page.textContent('#live'), /every 15 s/);
  await settle(page);
  await ctx.close();
  const d = await fetch(fakeRo.url + '/api/v1/targets/polled-new',
    { method: 'DELETE', headers: { Authorization: 'Bearer ' + FAKE_WRITER } });
  assert.equal(d.status, 204);
});

test('the event stream parser: CR LF, CR and LF line ends, split anywhere, comments, multi-line data', async () => {
  const { ctx, page } = await newPage();
  await page.goto(fx.url + '/validports');
  const got = await page.evaluate(() => {
    const text = 'retry: 5000\r\n: oaprobe events\r\n\r\nid: 1\nevent: result\ndata: {"a":\ndata:1}\n\n' +
      'event: state\rdata: {"b":2}\r\r: keep-alive\n\ndata: plain\n\nevent: result\ndata: {"c":3}\n';
    const out = [];
    const runs = [];
    for (const size of [1, 2, 3, 7, text.length]) {
      const ev = [];
      let retry = null;
      const feed = window.oaprobeSseParser((type, data) => ev.push([type, data]), (ms) => { retry = ms; });
      for (let i = 0; i < text.length; i += size) feed(text.slice(i, i + size));
      runs.push(JSON.stringify([ev, retry]));
      out.push(ev);
    }
    return { first: out[0], same: runs.every((r) => r === runs[0]), retry: runs[0] };
  });
  assert.ok(got.same, 'the events depend on where the text was cut');
  assert.deepEqual(got.first, [['result', '{"a":\n1}'], ['state', '{"b":2}'], ['message', 'plain']]);
  assert.match(got.retry, /5000\]$/);
  await ctx.close();
});

const WORDS = { ok: 'OK', warning: 'Warning', critical: 'Critical', unknown: 'Unknown' };
function expectedState(codes) {
  if (!codes.length) return 'ok';
  if (codes.length === 1 && codes[0] === 'cert_expiring') return 'warning';
  return 'critical';
}

test('real serve + lab: every scenario with its state, what is wrong and remedies', async () => {
  const { ctx, page } = await newPage();
  await page.goto(serve.url + '/');
  await page.waitForFunction((n) => document.querySelectorAll('tbody tr').length === n &&
    ![...document.querySelectorAll('tbody td.st')].some((c) => /Pending/.test(c.textContent)),
  Object.keys(serve.expected).length, { timeout: 60000 });
  for (const [name, codes] of Object.entries(serve.expected)) {
    const want = WORDS[expectedState(codes)];
    await page.waitForFunction(([n, w]) => document.querySelector(`tr[data-name="${n}"] td.st`).textContent.includes(w),
      [name, want], { timeout: 20000 }).catch(async () => {
      throw new Error(name + ': want ' + want + ', page shows ' + await page.textContent(`tr[data-name="${name}"]`));
    });
    if (codes.length) {
      assert.equal(await page.textContent(`tr[data-name="${name}"] td.what .code`), codes[0], name);
    }
  }
  assert.match(await page.textContent('tr[data-name="cert-expiring"] td:nth-child(4)'), /^[0-9] d$/);
  assert.match(await page.textContent('.banner'), /Outage/);
  await page.screenshot({ path: path.join(OUT, 'serve-overview-desktop.png'), fullPage: true });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await page.goto(serve.url + '/?kiosk=1');
  await page.waitForFunction(() => window.oaprobeRendered);
  await page.screenshot({ path: path.join(OUT, 'serve-overview-kiosk.png') });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(serve.url + '/');
  await page.waitForFunction(() => window.oaprobeRendered);
  await page.screenshot({ path: path.join(OUT, 'serve-overview-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1366, height: 900 });
  for (const [name, codes] of Object.entries(serve.expected)) {
    await page.goto(serve.url + '/t/' + name);
    await page.waitForSelector('#h-inc');
    for (const code of codes) {
      const d = await page.textContent(`.diag[data-code="${code}"]`);
      assert.match(d, /What to do: \S+/, name + ' ' + code);
    }
    const layers = await page.$$eval('.layers tbody tr[data-step]', (r) => r.length);
    assert.ok(layers >= 1, name + ': no layer rows');
    if (codes.length) {
      /* its first run was not ok: the oldest incident starts from pending */
      const incs = await page.$$eval('.incidents li', (ls) => ls.map((l) => l.textContent));
      assert.match(incs[incs.length - 1] || '', /^\W*Pending \u2192 \W*(Critical|Warning)/, name + ': ' + incs.join(' | '));
    }
    await settle(page);
  }
  await page.goto(serve.url + '/t/acl-fqdn-missing');
  await page.waitForSelector('#h-inc');
  const tunnel = await page.$$eval('.layers tbody tr[data-step]', (rs) => rs.map((r) => r.textContent).filter((t) => /^Tunnel/.test(t)));
  assert.ok(tunnel.some((t) => /Critical/.test(t)) && tunnel.some((t) => /OK/.test(t)), tunnel.join(' | '));
  await page.screenshot({ path: path.join(OUT, 'serve-target-desktop.png'), fullPage: true });
  await settle(page);
  await ctx.close();
});

test('real serve + lab: a target broken then mended changes on the open page; run now with the write token', async () => {
  const { ctx, page } = await newPage();
  await page.goto(serve.url + '/');
  await page.waitForFunction(() => /OK/.test(document.querySelector('tr[data-name="healthy"] td.st').textContent), null, { timeout: 30000 });
  await page.evaluate(() => { window.noReload = 1; });
  await serve.command('down healthy');
  await page.waitForFunction(() => /Critical/.test(document.querySelector('tr[data-name="healthy"] td.st').textContent), null, { timeout: 30000 });
  assert.match(await page.textContent('tr[data-name="healthy"] td.what'), /tcp_refused/);
  await serve.command('up');
  await page.waitForFunction(() => /OK/.test(document.querySelector('tr[data-name="healthy"] td.st').textContent), null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => window.noReload), 1, 'the page was reloaded');
  await page.goto(serve.url + '/t/healthy');
  await page.waitForSelector('#h-inc');
  /* healthy was OK first: its incident starts from OK */
  assert.match(await page.textContent('.incidents li'), /^\W*OK \u2192 \W*Critical/);
  assert.equal(await page.isDisabled('#run-now'), true);
  await page.click('#token-box summary');
  await page.fill('#token-input', serve.read);
  await page.press('#token-input', 'Enter');
  await page.click('#run-now');
  await page.waitForFunction(() => /Refused \(403\)/.test(document.getElementById('run-msg').textContent));
  await page.click('#token-box summary');
  await page.fill('#token-input', serve.write);
  await page.press('#token-input', 'Enter');
  await page.click('#run-now');
  await page.waitForFunction(() => /^Done: OK/.test(document.getElementById('run-msg').textContent), null, { timeout: 30000 });
  await settle(page);
  await ctx.close();
});

(async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oaprobe-chromium-'));
  let failed = 0, ran = 0;
  try {
    fx = await startFixture();
    fxMany = await startFixture(['--many', '1000']);
    fake = await startApiFake(path.join(dataDir, 'api-fake.db'));
    fakeRo = await startApiFake(path.join(dataDir, 'api-fake-ro.db'), ['--read-token']);
    if (!process.env.ONLY || /serve/.test(process.env.ONLY)) serve = await startServeLab();
    /* a fresh --user-data-dir (playwright passes it for a persistent
     * context); every test opens its own tab */
    browser = await chromium.launchPersistentContext(dataDir, {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    for (const t of tests) {
      if (process.env.ONLY && !new RegExp(process.env.ONLY).test(t.name)) continue;
      ran++;
      const before = problems.length;
      try {
        await t.fn();
        if (problems.length > before) throw new Error(problems.slice(before).join('\n'));
        console.log('ok   ' + t.name);
      } catch (e) {
        failed++;
        console.log('FAIL ' + t.name + '\n     ' + String(e.stack || e).split('\n').slice(0, 6).join('\n     '));
      }
    }
  } finally {
    if (browser) await browser.close();
    for (const f of [fx, fxMany]) if (f) f.proc.kill('SIGTERM');
    if (serve) {
      serve.proc.stdin.end(); /* serve_lab.py stops serve and the lab */
      const rc = await new Promise((res) => { serve.proc.on('exit', res); setTimeout(() => res('timeout'), 90000); });
      if (rc !== 0) { failed++; console.log('FAIL serve_lab.py: oaprobe serve or the lab did not stop cleanly (' + rc + ')'); }
    }
    for (const f of [fake, fakeRo]) {
      if (!f) continue;
      f.proc.stdin.end(); /* api_fake serves until its stdin closes */
      await new Promise((res) => { f.proc.on('exit', res); setTimeout(res, 5000); });
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  for (const [k, v] of Object.entries(figures)) console.log('figure ' + k + ': ' + v);
  console.log('API reads cut short by the tests\' navigation (not counted as failures): ' + cutByTest);
  console.log('screenshots in ' + OUT);
  console.log(failed ? failed + ' of ' + ran + ' failed' : 'all ' + ran + ' passed');
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
