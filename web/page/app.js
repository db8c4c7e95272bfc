/*
 * app.js: the oaprobe status page. Plain JavaScript, no framework, no build
 * step. It reads only the JSON API (/api/v1/...) and the event stream
 * (/api/v1/events) and routes by path: "/" overview, "/t/NAME" one target,
 * "/validports" the ValidPorts checker. Updates patch the DOM in place (no
 * reload, no flicker). The API token lives only in sessionStorage.
 */
'use strict';

(function () {
  const TOKEN_KEY = 'oaprobe.token';
  /* blocked: an API target the service keeps but never runs (`blocked` says
   * why); its last state is stale, so it shows as blocked, next to the
   * problems: someone has to act on it */
  const ORDER = { critical: 0, blocked: 1, unknown: 2, warning: 3, pending: 4, ok: 5 };
  const MAINT_ORDER = 4.5;
  const STATES = {
    ok: { icon: '\u2714', word: 'OK' },
    warning: { icon: '!', word: 'Warning' },
    critical: { icon: '\u2716', word: 'Critical' },
    unknown: { icon: '?', word: 'Unknown' },
    pending: { icon: '\u2026', word: 'Pending' },
    blocked: { icon: '\u2298', word: 'Blocked' },
    skipped: { icon: '\u2013', word: 'Skipped' },
  };
  const LAYERS = {
    dns: 'DNS', tcp: 'TCP', tls: 'TLS', http_plain: 'Plain HTTP', echo_unauth: 'Echo (anonymous)',
    echo_auth: 'Echo (authenticated)', tunnel: 'Tunnel', bind: 'Bind', direct_tcp: 'Direct TCP',
  };
  const WINDOWS = ['24h', '7d', '30d', '90d'];
  const kiosk = new URLSearchParams(location.search).get('kiosk') === '1';

  /* ---- small helpers --------------------------------------------------- */

  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? '' : v);
      }
    }
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  const SVGNS = 'http://www.w3.org/2000/svg';
  function svg(tag, attrs, ...kids) {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    for (const k of kids) if (k !== null && k !== undefined) e.append(k);
    return e;
  }
  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }
  function stateBadge(status, extra) {
    const s = STATES[status] || STATES.unknown;
    return el('span', { class: 'state s-' + (STATES[status] ? status : 'unknown') + (extra ? ' ' + extra : '') },
      el('span', { class: 'ic', 'aria-hidden': 'true', text: s.icon }), s.word);
  }
  /* the state a target shows: blocked wins over its stale last state */
  function shownState(t) {
    return t.blocked ? 'blocked' : t.status;
  }
  function maintBadge() {
    return el('span', { class: 'state s-maint' }, el('span', { class: 'ic', 'aria-hidden': 'true', text: '\u2692' }),
      'Maintenance');
  }
  function pct(r) {
    if (r === null || r === undefined) return '\u2014';
    if (r >= 1) return '100%';
    return (Math.floor(r * 10000) / 100).toFixed(2) + '%';
  }
  function secs(s) {
    if (s === null || s === undefined) return '\u2014';
    return s < 1 ? Math.round(s * 1000) + ' ms' : s.toFixed(2) + ' s';
  }
  function when(iso) {
    if (!iso) return '\u2014';
    const d = new Date(iso);
    const ago = (Date.now() - d.getTime()) / 1000;
    let rel;
    const a = Math.abs(ago);
    if (a < 60) rel = Math.round(a) + ' s';
    else if (a < 3600) rel = Math.round(a / 60) + ' min';
    else if (a < 172800) rel = Math.round(a / 3600) + ' h';
    else rel = Math.round(a / 86400) + ' days';
    return ago >= 0 ? rel + ' ago' : 'in ' + rel;
  }
  function timeEl(iso) {
    if (!iso) return el('span', { class: 'muted', text: '\u2014' });
    return el('time', { datetime: iso, title: new Date(iso).toISOString().replace('.000Z', 'Z') }, when(iso));
  }
  function duration(sec) {
    if (sec === null || sec === undefined) return '\u2014';
    if (sec < 60) return Math.round(sec) + ' s';
    if (sec < 3600) return Math.round(sec / 60) + ' min';
    if (sec < 172800) return (sec / 3600).toFixed(1) + ' h';
    return (sec / 86400).toFixed(1) + ' days';
  }
  function token() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; }
  }
  window.oaprobeBusy = 0; /* API requests in flight (the browser tests wait for 0) */
  async function api(path, opts) {
    window.oaprobeBusy++;
    try {
      return await apiCall(path, opts);
    } finally {
      window.oaprobeBusy--;
    }
  }
  async function apiCall(path, opts) {
    const o = Object.assign({ headers: {} }, opts || {});
    o.headers = Object.assign({ Accept: 'application/json' }, o.headers);
    const t = token();
    if (t) o.headers.Authorization = 'Bearer ' + t;
    const res = await fetch(path, o);
    let body = null;
    const text = await res.text();
    try { body = text ? JSON.parse(text) : null; } catch (e) { body = null; }
    if (!res.ok) {
      const err = new Error(body && body.detail ? body.detail : res.status + ' ' + res.statusText);
      err.status = res.status;
      err.word = body && body.error;
      throw err;
    }
    return body;
  }
  function live(text) {
    setText(document.getElementById('live'), text);
  }
  function main() {
    return document.getElementById('main');
  }
  function clear(node) {
    while (node.firstChild) node.firstChild.remove();
  }

  /* ---- token ----------------------------------------------------------- */

  const tokenListeners = [];
  function setupToken() {
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    const box = document.getElementById('token-box');
    const summary = box.querySelector('summary');
    const show = () => setText(summary, token() ? 'Token: set' : 'Token');
    show();
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const v = input.value.trim();
      try {
        if (v) sessionStorage.setItem(TOKEN_KEY, v);
        else sessionStorage.removeItem(TOKEN_KEY);
      } catch (e) { /* storage refused: the token is not kept */ }
      input.value = '';
      show();
      box.open = false;
      live(v ? 'Token set for this tab.' : 'Token removed.');
      tokenListeners.forEach((f) => f());
    });
    document.getElementById('token-forget').addEventListener('click', () => {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (e) { /* nothing kept */ }
      input.value = '';
      show();
      live('Token removed.');
      tokenListeners.forEach((f) => f());
    });
  }

  /* ---- live events ----------------------------------------------------- */

  /* /api/v1/events: an EventSource when no token is set; with a token a
   * fetch() whose body is read as a stream (EventSource cannot send an
   * Authorization header, and api.read_requires_token may want one); only
   * where neither works, polling. window.oaprobeStream says which is in use
   * ('eventsource', 'fetch' or 'poll'). */
  let stream = null;
  function events(onResult, onState) {
    const deliver = (type, data) => {
      let d;
      try { d = JSON.parse(data); } catch (e) { return; }
      if (type === 'result') {
        onResult(d);
        live('Live \u2022 updated ' + new Date().toLocaleTimeString());
      } else if (type === 'state' && onState) {
        onState(d);
      }
    };
    const open = () => {
      if (stream) stream.close();
      if (token() && canFetchStream()) stream = fetchStream(deliver);
      else if (!token() && window.EventSource) stream = eventSource(deliver);
      else stream = poll(onResult);
      window.oaprobeStream = stream.kind;
    };
    open();
    tokenListeners.push(open);
  }
  function canFetchStream() {
    return !!(window.fetch && window.ReadableStream && window.TextDecoder && window.AbortController &&
      window.Response && 'body' in window.Response.prototype);
  }
  function eventSource(deliver) {
    const source = new EventSource('/api/v1/events');
    source.addEventListener('open', () => live('Live \u2022 updated ' + new Date().toLocaleTimeString()));
    source.addEventListener('error', () => live('Live updates interrupted; reconnecting\u2026'));
    source.addEventListener('result', (ev) => deliver('result', ev.data));
    source.addEventListener('state', (ev) => deliver('state', ev.data));
    return { kind: 'eventsource', close: () => source.close() };
  }
  /* The event stream framing (the WHATWG "server-sent events" rules): lines
   * end in CR LF, LF or CR; "field: value" lines ("event", "data", "retry";
   * "id" is not used: the service does not resume), ':' a comment, an empty
   * line ends an event. feed() takes decoded text as it arrives. */
  function sseParser(deliver, onRetry) {
    let buf = '', type = '', data = [];
    function line(l) {
      if (l === '') {
        if (data.length) deliver(type || 'message', data.join('\n'));
        type = '';
        data = [];
        return;
      }
      if (l[0] === ':') return;
      const i = l.indexOf(':');
      const field = i < 0 ? l : l.slice(0, i);
      let value = i < 0 ? '' : l.slice(i + 1);
      if (value[0] === ' ') value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) onRetry(Number(value));
    }
    return function feed(text) {
      buf += text;
      for (;;) {
        const i = buf.search(/[\r\n]/);
        if (i < 0) break;
        if (buf[i] === '\r' && i === buf.length - 1) break; /* maybe the CR of a CR LF */
        line(buf.slice(0, i));
        buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
      }
    };
  }
  window.oaprobeSseParser = sseParser; /* for the browser tests */
  function fetchStream(deliver) {
    const ctl = new AbortController();
    let closed = false, retry = 5000;
    const pause = (ms) => new Promise((res) => setTimeout(res, ms));
    (async () => {
      while (!closed) {
        let refused = false;
        try {
          const res = await fetch('/api/v1/events', {
            headers: { Accept: 'text/event-stream', Authorization: 'Bearer ' + token() },
            cache: 'no-store', signal: ctl.signal,
          });
          if (!res.ok || !res.body) {
            refused = res.status === 401 || res.status === 403;
            live(refused ? 'Live updates refused (' + res.status + '): check the token.'
              : 'Live updates unavailable (' + res.status + '); retrying\u2026');
            await res.text().catch(() => '');
          } else {
            live('Live \u2022 updated ' + new Date().toLocaleTimeString());
            const feed = sseParser(deliver, (ms) => { retry = ms; });
            const reader = res.body.getReader();
            const dec = new TextDecoder();
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              feed(dec.decode(value, { stream: true }));
            }
            if (!closed) live('Live updates interrupted; reconnecting\u2026');
          }
        } catch (e) {
          if (closed) return;
          live('Live updates interrupted; reconnecting\u2026');
        }
        await pause(refused ? Math.max(retry, 30000) : retry);
      }
    })();
    return { kind: 'fetch', close: () => { closed = true; ctl.abort(); } };
  }
  /* No way to stream: read the list every 15 s and hand on the targets
   * that are new or changed. */
  function poll(onResult) {
    const seen = new Map();
    let first = true;
    const tick = () => api('/api/v1/targets').then((doc) => {
      for (const t of doc.targets) {
        const sig = JSON.stringify(t);
        if (!first && seen.get(t.name) !== sig) onResult(t);
        seen.set(t.name, sig);
      }
      first = false;
      live('Updated ' + new Date().toLocaleTimeString() + ' (every 15 s; no live stream in this browser)');
    }).catch(() => live('The API did not answer; retrying.'));
    tick();
    const timer = setInterval(tick, 15000);
    return { kind: 'poll', close: () => clearInterval(timer) };
  }

  /* ---- the 90-day bar -------------------------------------------------- */

  function barColour(r) {
    if (r === null || r === undefined) return 'var(--bar-none)';
    if (r >= 0.999) return 'var(--bar-ok)';
    if (r >= 0.9) return 'var(--bar-partial)';
    return 'var(--bar-bad)';
  }
  /* A whole 90-day bar in one element: a hard-stop gradient (fast with a
   * thousand rows) plus a text alternative. */
  function paintBar(node, ratios, from) {
    if (!ratios || !ratios.length) {
      node.style.background = '';
      node.setAttribute('aria-label', 'No daily history yet');
      node.title = 'No daily history yet';
      return;
    }
    const n = ratios.length;
    const stops = [];
    let full = 0, part = 0, none = 0, worst = null, worstDay = -1;
    for (let i = 0; i < n; i++) {
      const r = ratios[i];
      const a = (i / n * 100).toFixed(3), b = ((i + 1) / n * 100).toFixed(3);
      const c = barColour(r);
      stops.push(c + ' ' + a + '%', c + ' calc(' + b + '% - 1px)', 'transparent calc(' + b + '% - 1px)',
        'transparent ' + b + '%');
      if (r === null || r === undefined) none++;
      else if (r >= 0.999) full++;
      else { part++; if (worst === null || r < worst) { worst = r; worstDay = i; } }
    }
    const g = 'linear-gradient(to right, ' + stops.join(', ') + ')';
    if (node.dataset.g !== g) {
      node.dataset.g = g;
      node.style.background = g;
    }
    let text = n + ' days: ' + full + ' fully available, ' + part + ' with failures, ' + none + ' without data';
    if (worst !== null && from) {
      const d = new Date(Date.parse(from + 'T00:00:00Z') + worstDay * 86400000);
      text += '; lowest ' + pct(worst) + ' on ' + d.toISOString().slice(0, 10);
    }
    if (node.getAttribute('aria-label') !== text) {
      node.setAttribute('aria-label', text);
      node.title = text;
    }
  }

  /* ---- overview -------------------------------------------------------- */

  function overview() {
    document.getElementById('nav-overview').setAttribute('aria-current', 'page');
    document.title = 'oaprobe status';
    const params = new URLSearchParams(location.search);
    const m = main();
    clear(m);
    const banner = el('section', { class: 'banner b-pending', 'aria-live': 'polite', 'aria-label': 'Overall state' },
      el('strong', { id: 'banner-title', text: 'Loading\u2026' }), el('span', { class: 'counts', id: 'banner-counts' }));
    const q = el('input', { type: 'search', id: 'f-q', placeholder: 'name, host or text', value: params.get('q') || '' });
    const label = el('select', { id: 'f-label' }, el('option', { value: '', text: 'All labels' }));
    const state = el('select', { id: 'f-state' },
      ...[['', 'All states'], ['problems', 'Problems (not OK)'], ['critical', 'Critical'], ['warning', 'Warning'],
        ['unknown', 'Unknown'], ['blocked', 'Blocked (not run)'], ['pending', 'Pending'], ['ok', 'OK'],
        ['maintenance', 'In maintenance']]
        .map(([v, t]) => el('option', { value: v, text: t })));
    const sort = el('select', { id: 'f-sort' },
      ...[['severity', 'Severity'], ['name', 'Name'], ['latency', 'Latency'], ['uptime', 'Uptime 24 h'],
        ['cert', 'Certificate days left']].map(([v, t]) => el('option', { value: v, text: t })));
    state.value = params.get('state') || '';
    sort.value = params.get('sort') || 'severity';
    const shown = el('span', { class: 'shown', id: 'shown', 'aria-live': 'polite' });
    const filters = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter targets', onsubmit: (e) => e.preventDefault() },
      el('label', null, 'Search', q), el('label', null, 'Label', label), el('label', null, 'State', state),
      el('label', null, 'Sort by', sort), shown);
    const tbody = el('tbody');
    const table = el('table', { class: 'targets' },
      el('caption', { class: 'skip', text: 'Targets with their state, what is wrong, certificate, latency, uptime and 90 days of availability' }),
      el('colgroup', null, el('col', { class: 'c-st' }), el('col', { class: 'c-name' }), el('col', { class: 'c-what' }),
        ...[0, 1, 2, 3, 4, 5].map(() => el('col', { class: 'c-num' })), el('col', { class: 'c-bar' })),
      el('thead', null, el('tr', null,
        el('th', { scope: 'col', text: 'State' }), el('th', { scope: 'col', text: 'Target' }),
        el('th', { scope: 'col', text: 'What is wrong' }), el('th', { scope: 'col', class: 'num', text: 'Cert' }),
        el('th', { scope: 'col', class: 'num', text: 'Latency' }),
        ...WINDOWS.map((w) => el('th', { scope: 'col', class: 'num', text: w })),
        el('th', { scope: 'col', text: '90 days' }))),
      tbody);
    const empty = el('p', { class: 'empty', hidden: true, text: 'No target matches.' });
    m.append(el('h1', { class: 'skip', text: 'Status of every target' }), banner, filters, table, empty);

    const rows = new Map(); /* name -> {t, tr, cells} */
    let daily = { from: null, targets: {} };
    let labelKeys = '';

    function rowFor(t) {
      const tr = el('tr', { 'data-name': t.name });
      const c = {
        st: el('td', { class: 'st' }),
        name: el('th', { scope: 'row' }),
        what: el('td', { class: 'what' }),
        cert: el('td', { class: 'num', 'data-label': 'Cert' }),
        lat: el('td', { class: 'num', 'data-label': 'Latency' }),
        up: WINDOWS.map((w) => el('td', { class: 'num', 'data-label': w })),
        bar: el('div', { class: 'bar90', role: 'img' }),
      };
      c.link = el('a', { href: '/t/' + encodeURIComponent(t.name) });
      c.host = el('div', { class: 'host' });
      c.labels = el('div');
      c.name.append(c.link, c.host, c.labels);
      tr.append(c.st, c.name, c.what, c.cert, c.lat, ...c.up, el('td', { class: 'bar' }, c.bar));
      const r = { t: null, tr, c, key: '' };
      rows.set(t.name, r);
      return r;
    }
    function fill(r, t, flash) {
      const old = r.t;
      r.t = t;
      const c = r.c;
      const st = shownState(t);
      const key = st + '|' + t.maintenance;
      if (r.key !== key) {
        clear(c.st);
        c.st.append(stateBadge(st));
        if (t.maintenance) c.st.append(' ', maintBadge());
        r.key = key;
        /* a short highlight of the changed row, without forcing a layout */
        if (flash && old && r.tr.animate && !matchMedia('(prefers-reduced-motion: reduce)').matches) {
          r.tr.animate([{ backgroundColor: 'var(--panel)' }, { backgroundColor: 'transparent' }], { duration: 1200 });
        }
      }
      setText(c.link, t.name);
      setText(c.host, [t.host, t.location].filter(Boolean).join(' \u00b7 '));
      const lt = Object.entries(t.labels || {}).map(([k, v]) => k + '=' + v).join(' ');
      if (c.labels.dataset.v !== lt) {
        c.labels.dataset.v = lt;
        clear(c.labels);
        const all = Object.entries(t.labels || {});
        for (const [k, v] of all.slice(0, 4)) c.labels.append(el('span', { class: 'tag', text: k + '=' + v }));
        if (all.length > 4) c.labels.append(el('span', { class: 'tag', title: lt, text: '+' + (all.length - 4) + ' more' }));
      }
      let what;
      if (t.blocked) what = 'Not run: ' + t.blocked;
      else if (t.status === 'pending') what = 'No run yet';
      else if (t.message) what = t.message;
      else if (t.reason) what = t.reason;
      else what = t.status === 'ok' ? '' : 'State ' + t.status;
      const reason = t.blocked ? '' : t.reason || '';
      const wkey = what + '|' + reason;
      if (c.what.dataset.v !== wkey) {
        c.what.dataset.v = wkey;
        clear(c.what);
        const box = el('div', { class: 'clamp' });
        if (reason) box.append(el('span', { class: 'code', text: reason }), ': ');
        box.append(reason && t.message ? t.message : what);
        c.what.append(box);
        c.what.title = what.length > 120 ? what : '';
      }
      const days = t.cert_days_left;
      setText(c.cert, days === null || days === undefined ? '\u2014' : days + ' d');
      c.cert.className = 'num' + (days !== null && days !== undefined ? (days < 0 ? ' cert-bad' : days <= 14 ? ' cert-soon' : '') : '');
      setText(c.lat, secs(t.latency_seconds));
      WINDOWS.forEach((w, i) => setText(c.up[i], pct(t.uptime ? t.uptime[w] : null)));
      paintBar(c.bar, daily.targets[t.name], daily.from);
    }

    function matches(t) {
      const s = state.value, st = shownState(t);
      if (s === 'problems' && st !== 'blocked' && (st === 'ok' || t.maintenance)) return false;
      if (s === 'maintenance' && !t.maintenance) return false;
      if (s && s !== 'problems' && s !== 'maintenance' && st !== s) return false;
      if (label.value) {
        const i = label.value.indexOf('=');
        const k = label.value.slice(0, i), v = label.value.slice(i + 1);
        if (!t.labels || t.labels[k] !== v) return false;
      }
      const text = q.value.trim().toLowerCase();
      if (text) {
        const hay = (t.name + ' ' + (t.host || '') + ' ' + (t.location || '') + ' ' + (t.reason || '') + ' ' + (t.blocked || '') + ' ' +
          (t.message || '') + ' ' + Object.entries(t.labels || {}).map(([k, v]) => k + '=' + v).join(' ')).toLowerCase();
        if (!hay.includes(text)) return false;
      }
      return true;
    }
    function cmp(a, b) {
      const x = a.t, y = b.t;
      const byName = x.name < y.name ? -1 : x.name > y.name ? 1 : 0;
      const nul = (v, d) => (v === null || v === undefined ? d : v);
      switch (sort.value) {
        case 'name': return byName;
        case 'latency': return nul(y.latency_seconds, -1) - nul(x.latency_seconds, -1) || byName;
        case 'uptime': return nul(x.uptime && x.uptime['24h'], 2) - nul(y.uptime && y.uptime['24h'], 2) || byName;
        case 'cert': return nul(x.cert_days_left, 1e9) - nul(y.cert_days_left, 1e9) || byName;
        default: {
          const rank = (t) => (!t.blocked && t.maintenance ? MAINT_ORDER : nul(ORDER[shownState(t)], 2));
          const sx = rank(x), sy = rank(y);
          return sx - sy || byName;
        }
      }
    }
    function refreshLabels() {
      const set = new Set();
      for (const r of rows.values()) for (const [k, v] of Object.entries(r.t.labels || {})) set.add(k + '=' + v);
      const list = [...set].sort();
      const key = list.join('\n');
      if (key === labelKeys) return;
      labelKeys = key;
      const want = label.value || params.get('label') || '';
      while (label.options.length > 1) label.remove(1);
      for (const v of list) label.append(el('option', { value: v, text: v }));
      const before = label.value;
      label.value = list.includes(want) ? want : '';
      if (label.value !== before) arrange(null);
    }
    function banners() {
      /* as GET /api/v1/status counts: a blocked target only as blocked (in
       * a maintenance window too), never as its stale last state */
      const n = { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 0, blocked: 0 };
      let maint = 0;
      for (const r of rows.values()) {
        if (r.t.blocked) { n.blocked++; continue; }
        if (r.t.maintenance) { maint++; continue; }
        n[r.t.status] = (n[r.t.status] || 0) + 1;
      }
      let cls, title;
      if (rows.size === 0) { cls = 'b-pending'; title = 'No targets configured'; }
      else if (n.critical) { cls = 'b-outage'; title = '\u2716 Outage'; }
      else if (n.warning || n.unknown || n.blocked) { cls = 'b-degraded'; title = '! Degraded'; }
      else if (n.pending) { cls = 'b-pending'; title = '\u2026 Waiting for the first runs'; }
      else { cls = 'b-ok'; title = '\u2714 All systems operational'; }
      banner.className = 'banner ' + cls;
      setText(document.getElementById('banner-title'), title);
      const parts = [];
      for (const s of ['critical', 'blocked', 'warning', 'unknown', 'pending', 'ok']) {
        if (n[s]) parts.push(n[s] + ' ' + (s === 'blocked' ? 'blocked (not run)' : STATES[s].word.toLowerCase()));
      }
      if (maint) parts.push(maint + ' in maintenance');
      setText(document.getElementById('banner-counts'), parts.join(' \u00b7 ') + (parts.length ? ' (' + rows.size + ' targets)' : ''));
      if (kiosk) document.title = title.replace(/^\W+/, '') + ' \u2013 oaprobe';
    }
    /* Filter and order the rows. arrange(null): every row (a filter or the
     * sort changed, or a reload); arrange(set): only those rows changed, so
     * only they may be out of place: each is moved to its place found by
     * binary search, and the DOM is touched only when it really moves. */
    let ordered = [];
    const dirty = new Set();
    function place(r) {
      const show = matches(r.t);
      if (r.tr.hidden === show) r.tr.hidden = !show;
    }
    function arrange(changed) {
      if (!changed) {
        ordered = [...rows.values()].sort(cmp);
        for (const r of ordered) place(r);
        let cur = tbody.firstElementChild;
        for (const r of ordered) {
          if (cur === r.tr) { cur = cur.nextElementSibling; continue; }
          tbody.insertBefore(r.tr, cur);
        }
      } else {
        for (const r of changed) {
          if (!rows.has(r.t.name)) continue;
          const at = ordered.indexOf(r);
          if (at >= 0) ordered.splice(at, 1);
          let lo = 0, hi = ordered.length;
          while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (cmp(ordered[mid], r) <= 0) lo = mid + 1; else hi = mid;
          }
          ordered.splice(lo, 0, r);
          const next = lo + 1 < ordered.length ? ordered[lo + 1].tr : null;
          if (r.tr.nextElementSibling !== next || r.tr.parentNode !== tbody) tbody.insertBefore(r.tr, next);
          place(r);
        }
      }
      let visible = 0;
      for (const r of ordered) if (!r.tr.hidden) visible++;
      empty.hidden = visible !== 0 || rows.size === 0;
      setText(shown, visible + ' of ' + rows.size + ' shown');
    }
    function saveParams() {
      const p = new URLSearchParams(location.search);
      for (const [k, v] of [['q', q.value.trim()], ['label', label.value], ['state', state.value],
        ['sort', sort.value === 'severity' ? '' : sort.value]]) {
        if (v) p.set(k, v); else p.delete(k);
      }
      const s = p.toString();
      history.replaceState(null, '', location.pathname + (s ? '?' + s : ''));
    }
    for (const c of [q, label, state, sort]) {
      c.addEventListener(c === q ? 'input' : 'change', () => { arrange(null); saveParams(); });
    }

    let pending = false;
    function schedule() {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        refreshLabels();
        const list = [...dirty];
        dirty.clear();
        arrange(list);
        banners();
      });
    }
    function upsert(t, flash) {
      let r = rows.get(t.name);
      if (!r) r = rowFor(t);
      fill(r, t, flash);
      dirty.add(r);
    }
    async function loadTargets(first) {
      const doc = await api('/api/v1/targets');
      const seen = new Set();
      for (const t of doc.targets) { seen.add(t.name); upsert(t, !first); }
      for (const [name, r] of rows) if (!seen.has(name)) { r.tr.remove(); rows.delete(name); }
      dirty.clear();
      refreshLabels();
      arrange(null);
      banners();
      window.oaprobeRendered = performance.now();
    }
    async function loadDaily() {
      try {
        daily = await api('/api/v1/daily?days=90');
      } catch (e) {
        daily = { from: null, targets: {} };
        return;
      }
      for (const r of rows.values()) paintBar(r.c.bar, daily.targets[r.t.name], daily.from);
    }

    const start = performance.now();
    let started = false;
    /* after the first list that could be read (maybe only once a token is
     * entered): the daily bars and the live updates */
    function loaded() {
      if (started) return;
      started = true;
      window.oaprobeFirstRender = performance.now() - start;
      live('Loaded ' + new Date().toLocaleTimeString());
      loadDaily();
      events((t) => {
        const t0 = performance.now();
        upsert(t, true);
        schedule();
        window.oaprobeLastUpdate = performance.now() - t0;
      }, null);
    }
    loadTargets(true).then(loaded).catch((e) => {
      banner.className = 'banner b-outage';
      setText(document.getElementById('banner-title'), 'Cannot read the API');
      setText(document.getElementById('banner-counts'), e.message + (e.status === 401 ? ' \u2013 enter a read token (Token, top right)' : ''));
    });
    /* Reconcile now and then (targets added or removed, missed events). */
    setInterval(() => loadTargets(false).catch(() => live('The API did not answer; retrying.')), 60000);
    setInterval(loadDaily, 600000);
    tokenListeners.push(() => loadTargets(false).then(loaded).catch(() => {}));
    /* for the browser tests: apply a summary as if it came from the stream */
    window.oaprobeApply = (t) => {
      const t0 = performance.now();
      upsert(t, true);
      refreshLabels();
      arrange([...dirty]);
      dirty.clear();
      banners();
      return performance.now() - t0;
    };
    window.oaprobeQueue = (t) => { upsert(t, true); schedule(); };
  }

  /* ---- one target ------------------------------------------------------ */

  function fact(name, value) {
    return el('div', null, el('dt', { text: name }), el('dd', null, value));
  }
  function stepWhere(d) {
    if (!d) return '';
    if (d.server && d.port) return d.server + ':' + d.port;
    return d.server || '';
  }
  function stepDetails(name, d) {
    if (!d) return '';
    const out = [];
    if (d.addresses) out.push(d.addresses.join(', '));
    if (d.address) out.push(d.address);
    if (d.tls_version) out.push(d.tls_version + (d.tls_cipher ? ' ' + d.tls_cipher : ''));
    if (d.cert_days_left !== undefined) out.push('certificate: ' + d.cert_days_left + ' days left');
    if (d.http_status_line) out.push(d.http_status_line);
    else if (d.http_status) out.push('HTTP ' + d.http_status);
    if (d.auth_schemes) out.push('offers ' + d.auth_schemes.join(', '));
    if (d.rpc_error_name) out.push(d.rpc_error_name + (d.rpc_error ? ' (' + d.rpc_error + ')' : ''));
    if (d.interface) out.push(d.interface);
    if (d.bind_result) out.push('bind ' + d.bind_result);
    if (d.error) out.push(String(d.error));
    return out.join(' \u00b7 ');
  }

  function chart(results, days) {
    const W = 760, H = 200, L = 52, R = 10, T = 12, B = 58;
    const runs = results.filter((r) => r.started_at).map((r) => ({
      t: Date.parse(r.started_at), s: r.duration_seconds, status: r.status,
    })).sort((a, b) => a.t - b.t);
    const root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-labelledby': 'chart-title chart-desc' });
    const okRuns = runs.filter((r) => r.status === 'ok' || r.status === 'warning');
    const bad = runs.length - okRuns.length;
    const max = Math.max(0.05, ...okRuns.map((r) => r.s)) * 1.15;
    let desc;
    if (runs.length) {
      const sorted = okRuns.map((r) => r.s).sort((a, b) => a - b);
      const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
      desc = runs.length + ' runs from ' + new Date(runs[0].t).toISOString().slice(0, 16).replace('T', ' ') + ' to ' +
        new Date(runs[runs.length - 1].t).toISOString().slice(0, 16).replace('T', ' ') + ' UTC; ' + bad +
        ' failed; median response time of the working runs ' + secs(median) + ', slowest ' +
        secs(sorted.length ? sorted[sorted.length - 1] : null) + '.';
    } else {
      desc = 'No runs stored yet.';
    }
    const dayList = (days && days.days) || [];
    const withData = dayList.filter((d) => d.ratio !== null);
    if (dayList.length) {
      desc += ' Daily availability over ' + dayList.length + ' days: ' + withData.filter((d) => d.ratio >= 0.999).length +
        ' fully available, ' + withData.filter((d) => d.ratio < 0.999).length + ' with failures, ' +
        (dayList.length - withData.length) + ' without data.';
    }
    root.append(svg('title', { id: 'chart-title' }, 'Response time of recent runs and daily availability'),
      svg('desc', { id: 'chart-desc' }, desc));
    const ph = H - T - B;
    for (const f of [0, 0.5, 1]) {
      const y = T + ph - f * ph;
      root.append(svg('line', { class: 'axis', x1: L, x2: W - R, y1: y, y2: y }),
        svg('text', { x: L - 6, y: y + 4, 'text-anchor': 'end' }, secs(max * f)));
    }
    if (runs.length) {
      const t0 = runs[0].t, t1 = Math.max(runs[runs.length - 1].t, t0 + 1);
      const x = (t) => L + (t - t0) / (t1 - t0) * (W - L - R);
      const y = (s) => T + ph - Math.min(s, max) / max * ph;
      if (okRuns.length > 1) {
        root.append(svg('polyline', { class: 'line', points: okRuns.map((r) => x(r.t).toFixed(1) + ',' + y(r.s).toFixed(1)).join(' ') }));
      }
      for (const r of runs) {
        const good = r.status === 'ok' || r.status === 'warning';
        const cls = r.status === 'ok' ? 'pt-ok' : r.status === 'warning' ? 'pt-warning' : 'pt-bad';
        const label = new Date(r.t).toISOString().slice(0, 19).replace('T', ' ') + ' UTC: ' + r.status + ', ' + secs(r.s);
        const shape = good ? svg('circle', { class: cls, cx: x(r.t).toFixed(1), cy: y(r.s).toFixed(1), r: 2.5 })
          : svg('rect', { class: cls, x: (x(r.t) - 3).toFixed(1), y: T + ph - 6, width: 6, height: 6 });
        shape.append(svg('title', {}, label));
        root.append(shape);
      }
      root.append(svg('text', { x: L, y: T + ph + 14 }, new Date(t0).toLocaleString()),
        svg('text', { x: W - R, y: T + ph + 14, 'text-anchor': 'end' }, new Date(t1).toLocaleString()));
    }
    /* availability: one bar per day */
    if (dayList.length) {
      const by = H - 26, bw = (W - L - R) / dayList.length;
      root.append(svg('text', { x: L - 6, y: by + 12, 'text-anchor': 'end' }, dayList.length + ' d'));
      dayList.forEach((d, i) => {
        const c = d.ratio === null ? 'var(--bar-none)' : barColour(d.ratio);
        const rect = svg('rect', { x: (L + i * bw).toFixed(1), y: by, width: Math.max(1, bw - 1).toFixed(1), height: 16, fill: c });
        rect.append(svg('title', {}, d.date + ': ' + (d.ratio === null ? 'no data' : pct(d.ratio) + ' (' + d.up + ' up, ' + d.down + ' down)') +
          (d.maintenance ? ', ' + d.maintenance + ' in maintenance' : '')));
        root.append(rect);
      });
    }
    return root;
  }

  function target(name) {
    const m = main();
    clear(m);
    document.title = name + ' \u2013 oaprobe';
    const head = el('div');
    const runBox = el('div', { class: 'runbox' });
    const runBtn = el('button', { type: 'button', class: 'primary', id: 'run-now', text: 'Run now' });
    const runMsg = el('span', { id: 'run-msg', role: 'status', 'aria-live': 'polite' });
    runBox.append(runBtn, runMsg);
    const layers = el('section', { 'aria-labelledby': 'h-layers' });
    const diags = el('section', { 'aria-labelledby': 'h-diags' });
    const cert = el('section', { 'aria-labelledby': 'h-cert' });
    const hist = el('section', { 'aria-labelledby': 'h-hist' });
    const inc = el('section', { 'aria-labelledby': 'h-inc' });
    const sets = el('section', { 'aria-labelledby': 'h-settings' });
    m.append(el('p', { class: 'crumbs' }, el('a', { href: '/', text: '\u2190 All targets' })), head, runBox, diags, layers,
      cert, hist, inc, sets);

    function runState() {
      const has = !!token();
      runBtn.disabled = !has;
      runBtn.title = has ? 'Run the check now' : 'Needs a write token (Token, at the top)';
      if (!has && !runMsg.dataset.keep) setText(runMsg, 'Enter a write token (Token, at the top) to run the check now.');
      else if (has && !runMsg.dataset.keep) setText(runMsg, '');
    }
    tokenListeners.push(runState);
    runState();

    let d = null;
    function renderHead() {
      clear(head);
      head.append(el('div', { class: 'headline' }, el('h1', { text: d.name }), stateBadge(shownState(d)),
        d.maintenance ? maintBadge() : null, d.running ? el('span', { class: 'tag', text: 'running' }) : null));
      if (d.blocked) head.append(el('p', null, el('strong', { text: 'Not run: ' }), d.blocked));
      else if (d.status === 'ok' && !d.message) head.append(el('p', { class: 'ok-note', text: 'Every layer works.' }));
      else if (d.message) head.append(el('p', null, el('strong', { text: 'What is wrong: ' }), d.message));
      else if (d.status === 'pending') head.append(el('p', { class: 'muted', text: 'No run yet.' }));
      const labels = Object.entries(d.labels || {}).map(([k, v]) => el('span', { class: 'tag', text: k + '=' + v }));
      head.append(el('dl', { class: 'facts' },
        fact('Host', d.host || '\u2014'), fact('Location', d.location || '\u2014'),
        fact('State since', timeEl(d.since)), fact('Last run', timeEl(d.last_run)),
        fact('Next run', timeEl(d.next_run)), fact('Latency', secs(d.latency_seconds)),
        fact('Uptime 24 h / 7 d / 30 d / 90 d', WINDOWS.map((w) => pct(d.uptime[w])).join(' / ')),
        fact('Failures in a row', String(d.consecutive_failures)),
        fact('Open incident since', d.incident ? timeEl(d.incident.started_at) : 'none'),
        fact('Labels', labels.length ? el('span', null, ...labels) : '\u2014')));
    }
    function renderLayers() {
      clear(layers);
      layers.append(el('h2', { id: 'h-layers', text: 'Layers' }));
      const r = d.result;
      if (!r || !r.steps || !r.steps.length) {
        layers.append(el('p', { class: 'muted', text: 'No result yet.' }));
        return;
      }
      const tb = el('tbody');
      for (const s of r.steps) {
        tb.append(el('tr', { 'data-step': s.name },
          el('th', { scope: 'row', text: LAYERS[s.name] || s.name }),
          el('td', { text: stepWhere(s.details) || (/^(dns|tcp|tls|echo_|http_plain)/.test(s.name) ? d.host : '') || '\u2014' }),
          el('td', null, stateBadge(s.status)),
          el('td', { class: 'num', text: s.status === 'skipped' ? '\u2014' : secs(s.duration_seconds) }),
          el('td', { class: 'det', text: stepDetails(s.name, s.details) })));
      }
      layers.append(el('table', { class: 'layers' },
        el('caption', { class: 'skip', text: 'Each layer of the latest run with its state and time' }),
        el('thead', null, el('tr', null, el('th', { scope: 'col', text: 'Layer' }), el('th', { scope: 'col', text: 'Where' }),
          el('th', { scope: 'col', text: 'State' }), el('th', { scope: 'col', class: 'num', text: 'Time' }),
          el('th', { scope: 'col', text: 'Details' }))), tb),
      el('p', { class: 'muted' }, 'Latest run ', timeEl(r.started_at), ', took ' + secs(r.duration_seconds) + '.'));
    }
    function renderDiags() {
      clear(diags);
      diags.append(el('h2', { id: 'h-diags', text: 'Diagnoses' }));
      const list = ((d.result && d.result.diagnoses) || []).slice()
        .sort((a, b) => (ORDER[a.severity] ?? 1) - (ORDER[b.severity] ?? 1));
      if (!list.length) {
        diags.append(el('p', { class: 'muted', text: d.result ? 'None: nothing to fix.' : 'No result yet.' }));
        return;
      }
      for (const g of list) {
        const where = [g.step ? (LAYERS[g.step] || g.step) : null, g.server ? g.server + (g.port ? ':' + g.port : '') : null]
          .filter(Boolean).join(' ');
        diags.append(el('article', { class: 'diag s-' + g.severity, 'data-code': g.code },
          el('h3', null, stateBadge(g.severity), ' ', el('span', { class: 'code', text: g.code }), where ? ' \u2013 ' + where : ''),
          el('p', { class: 'msg', text: g.message }),
          el('p', { class: 'remedy' }, el('strong', { text: 'What to do: ' }), g.remedy)));
      }
    }
    function renderCert() {
      clear(cert);
      cert.append(el('h2', { id: 'h-cert', text: 'Certificate' }));
      const c = d.certificate;
      if (!c) {
        cert.append(el('p', { class: 'muted', text: 'No certificate seen (no TLS step in the latest run).' }));
        return;
      }
      const left = c.days_left === null ? '\u2014' : c.days_left + ' days';
      cert.append(el('dl', { class: 'facts' },
        fact('Subject', c.subject || '\u2014'), fact('Issuer', c.issuer || '\u2014'),
        fact('Names (SAN)', c.san && c.san.length ? c.san.join(', ') : '\u2014'),
        fact('Valid from', c.not_before || '\u2014'), fact('Valid until', c.not_after || '\u2014'),
        fact('Days left', left), fact('Chain expires', c.chain_not_after || '\u2014'),
        fact('Trust', c.trust || '\u2014'), fact('Host name match', c.host_match || '\u2014'),
        fact('TLS', [c.tls_version, c.tls_cipher].filter(Boolean).join(' ') || '\u2014')));
    }
    function renderSettings() {
      clear(sets);
      const s = d.settings;
      sets.append(el('h2', { id: 'h-settings', text: 'Settings' }), el('dl', { class: 'facts' },
        fact('Depth', d.depth || '\u2014'), fact('RPC servers', s.servers.join(', ') || '\u2014'),
        fact('Ports', s.ports.join(', ') || '\u2014'), fact('Authentication', (s.auth || '\u2014') + (s.user ? ' as ' + s.user : '')),
        fact('Interval', duration(d.interval_seconds)), fact('Timeout', duration(s.timeout_seconds)),
        fact('Thresholds', s.failure_threshold + ' failures down, ' + s.success_threshold + ' successes up'),
        fact('Defined in', d.source === 'api' ? 'the API' : 'the configuration file')));
    }
    async function renderHistory() {
      const enc = encodeURIComponent(name);
      const [res, days, incs] = await Promise.all([
        api('/api/v1/targets/' + enc + '/results?limit=200').catch(() => ({ results: [] })),
        api('/api/v1/targets/' + enc + '/daily?days=90').catch(() => ({ days: [] })),
        api('/api/v1/targets/' + enc + '/incidents?limit=50').catch(() => ({ incidents: [] })),
      ]);
      clear(hist);
      hist.append(el('h2', { id: 'h-hist', text: 'Response time and availability' }));
      const rows = res.results.slice(0, 20).map((r) => el('tr', null, el('td', null, timeEl(r.started_at)),
        el('td', null, stateBadge(r.status)), el('td', { class: 'num', text: secs(r.duration_seconds) }),
        el('td', { text: (r.codes || []).join(', ') })));
      hist.append(el('figure', { class: 'chart' }, chart(res.results, days),
        el('figcaption', { class: 'muted', text: 'Line: response time of the working runs; squares: failed runs; bars: availability per day (green 100%, amber 90% or more, red below, grey no data).' })),
      el('details', null, el('summary', { text: 'The latest runs as a table' }),
        el('table', { class: 'runs' }, el('thead', null, el('tr', null, el('th', { scope: 'col', text: 'Run' }),
          el('th', { scope: 'col', text: 'State' }), el('th', { scope: 'col', class: 'num', text: 'Time' }),
          el('th', { scope: 'col', text: 'Codes' }))), el('tbody', null, ...rows))));
      clear(inc);
      inc.append(el('h2', { id: 'h-inc', text: 'Incidents' }));
      if (!incs.incidents.length) {
        inc.append(el('p', { class: 'muted', text: 'No state change recorded.' }));
      } else {
        inc.append(el('ol', { class: 'incidents' }, ...incs.incidents.map((i) => el('li', null,
          stateBadge(i.from), ' \u2192 ', stateBadge(i.to), ' ', timeEl(i.started_at),
          i.open ? ', ongoing for ' + duration(i.duration_seconds) : ', lasted ' + duration(i.duration_seconds),
          i.codes.length ? el('span', { class: 'muted', text: ' \u2013 ' + i.codes.join(', ') }) : null))));
      }
    }
    function render() {
      renderHead();
      renderDiags();
      renderLayers();
      renderCert();
      renderSettings();
    }
    async function load() {
      d = await api('/api/v1/targets/' + encodeURIComponent(name));
      render();
      await renderHistory();
      window.oaprobeRendered = performance.now();
    }
    runBtn.addEventListener('click', async () => {
      runBtn.disabled = true;
      runMsg.dataset.keep = '1';
      setText(runMsg, 'Running\u2026');
      try {
        d = await api('/api/v1/targets/' + encodeURIComponent(name) + '/run', { method: 'POST' });
        render();
        setText(runMsg, 'Done: ' + STATES[d.status].word + ' at ' + new Date().toLocaleTimeString() + '.');
        renderHistory().catch(() => {});
      } catch (e) {
        const why = e.status === 401 || e.status === 403 ? 'Refused (' + e.status + '): ' + e.message + '. Enter a write token.'
          : 'Failed: ' + e.message;
        setText(runMsg, why);
        runMsg.className = 'err';
      } finally {
        runBtn.disabled = !token();
        setTimeout(() => { delete runMsg.dataset.keep; runMsg.className = ''; }, 0);
      }
    });
    let timer = null, started = false;
    function loaded() {
      runBox.hidden = false;
      if (started) return;
      started = true;
      events((t) => {
        if (t.name !== name) return;
        clearTimeout(timer);
        timer = setTimeout(() => load().catch(() => {}), 150);
      }, null);
    }
    const failed = (e) => {
      clear(head);
      head.append(el('h1', { text: name }), el('p', { class: 'err', text: e.status === 404 ? 'No target named ' + name + '.'
        : e.message + (e.status === 401 ? ' \u2013 enter a read token (Token, top right)' : '') }));
      runBox.hidden = true;
    };
    load().then(loaded).catch(failed);
    /* a token entered after a refusal: read again */
    tokenListeners.push(() => { if (!started) load().then(loaded).catch(failed); });
    setInterval(() => { if (d) renderHead(); }, 30000); /* refresh "x min ago" */
  }

  /* ---- ValidPorts ------------------------------------------------------ */

  function validports() {
    document.getElementById('nav-validports').setAttribute('aria-current', 'page');
    document.title = 'ValidPorts \u2013 oaprobe';
    const m = main();
    clear(m);
    const value = el('textarea', { id: 'vp-value', rows: '4', spellcheck: 'false', required: true });
    const names = el('input', { id: 'vp-names', type: 'text', spellcheck: 'false', placeholder: 'EXCH01, exch01.contoso.local' });
    const out = el('section', { id: 'vp-out', 'aria-live': 'polite', 'aria-label': 'Result' });
    const form = el('form', null,
      el('label', { for: 'vp-value' }, 'ValidPorts value',
        el('span', { class: 'hint', text: 'HKLM\\SOFTWARE\\Microsoft\\Rpc\\RpcProxy\\ValidPorts, e.g. EXCH01:100-5000' })),
      value,
      el('label', { for: 'vp-names' }, 'Names the clients use',
        el('span', { class: 'hint', text: 'NetBIOS, FQDN and public names of the RPC servers, separated by commas or spaces' })),
      names,
      el('div', null, el('button', { type: 'submit', class: 'primary', id: 'vp-check', text: 'Check' })));
    m.append(el('div', { class: 'vp' }, el('h1', { text: 'ValidPorts checker' }),
      el('p', { class: 'muted', text: 'Paste the RPC proxy\'s ValidPorts value and the names Outlook uses: see which name:port pairs are refused and the corrected value.' }),
      form, out));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clear(out);
      out.append(el('p', { class: 'muted', text: 'Checking\u2026' }));
      const list = names.value.split(/[\s,;]+/).filter(Boolean);
      let r;
      try {
        r = await api('/api/v1/validports', {
          method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ value: value.value.trim(), names: list }),
        });
      } catch (e) {
        clear(out);
        out.append(el('p', { class: 'err', text: 'Not checked: ' + e.message }));
        return;
      }
      clear(out);
      const words = { complete: ['ok', 'Complete: every name and port is allowed.'],
        incomplete: ['critical', 'Incomplete: some name:port pairs are refused.'],
        parsed: ['unknown', 'Parsed (give the names to check them).'], invalid: ['critical', 'Invalid value.'] };
      const w = words[r.status] || ['unknown', r.status];
      out.append(el('h2', null, stateBadge(w[0]), ' ', w[1]));
      if (r.input_error) out.append(el('p', { class: 'err', text: r.input_error }));
      if (r.missing && r.missing.length) {
        out.append(el('h3', { text: 'Refused by this value' }),
          el('ul', { id: 'vp-missing' }, ...r.missing.map((x) => el('li', { text: x.name + ':' + x.port }))));
      }
      if (r.diagnostics && r.diagnostics.length) {
        out.append(el('h3', { text: 'Findings' }), el('ul', null, ...r.diagnostics.map((x) =>
          el('li', null, el('strong', { text: x.severity + ': ' }), x.message))));
      }
      if (r.corrected_value !== undefined) {
        const code = el('code', { class: 'corrected', id: 'vp-corrected', text: r.corrected_value });
        const copy = el('button', { type: 'button', text: 'Copy' });
        copy.addEventListener('click', async () => {
          try { await navigator.clipboard.writeText(r.corrected_value); setText(copy, 'Copied'); } catch (e) { setText(copy, 'Select and copy'); }
        });
        out.append(el('h3', { text: r.changed ? 'Corrected value' : 'The value (no change needed)' }), code, el('p', null, copy));
        if (r.added && r.added.length) out.append(el('p', null, 'Added: ', el('code', { text: r.added.join(';') })));
        if (r.corrected_fits === false) out.append(el('p', { class: 'err', text: 'The corrected value exceeds the RPC proxy\'s limits.' }));
      }
      if (r.remedy && r.remedy.length) {
        out.append(el('h3', { text: 'What to do' }), el('ul', null, ...r.remedy.map((x) => el('li', { text: x }))));
      }
    });
  }

  /* ---- routing --------------------------------------------------------- */

  function start() {
    if (kiosk) document.body.classList.add('kiosk');
    setupToken();
    const p = location.pathname;
    const t = /^\/t\/([^/]+)\/?$/.exec(p);
    if (t) target(decodeURIComponent(t[1]));
    else if (p === '/validports' || p === '/validports/') validports();
    else overview();
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
