/*
 * fixture_server.js: a stand-in for `oaprobe serve` that the browser tests
 * can drive: it serves the page's files and answers the API routes the page
 * reads with bodies rendered by web/ (the render_samples program writes
 * them; this server only clones and patches them), the event stream, "run
 * now" with a write token, and POST /api/v1/validports through the real
 * `oaprobe validports --json`. Control routes under /_fixture/ let a test
 * change a target's state at run time (published on the stream as the
 * daemon does). Loopback only; port 0 (the kernel picks a free port).
 *
 *   node fixture_server.js --samples DIR --page DIR --oaprobe BIN [--many N]
 * prints "listening http://127.0.0.1:PORT" on stdout.
 */
'use strict';

const http = require('http');
const fs = require('fs');
const path = require('path');
const { execFile } = require('child_process');

const WRITE_TOKEN = 'page-test-write-token';

function args() {
  const a = { many: 0 };
  for (let i = 2; i < process.argv.length; i += 2) a[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
  a.many = Number(a.many || 0);
  return a;
}
const opt = args();
const read = (f) => JSON.parse(fs.readFileSync(path.join(opt.samples, f), 'utf8'));

/* ---- the model: summaries and details keyed by name ------------------- */
const summaries = new Map();
const details = new Map();
const base = read('targets.json').targets;
for (const t of base) {
  summaries.set(t.name, t);
  const f = path.join(opt.samples, 'target-' + t.name + '.json');
  if (fs.existsSync(f)) details.set(t.name, JSON.parse(fs.readFileSync(f, 'utf8')));
}
const templates = [...summaries.values()];
for (let i = 0; i < opt.many; i++) {
  const tpl = templates[i % templates.length];
  const name = 'site-' + String(i).padStart(4, '0');
  const t = JSON.parse(JSON.stringify(tpl));
  t.name = name;
  t.labels = { region: ['emea', 'amer', 'apac'][i % 3], phase: i % 2 ? 'cutover' : 'legacy' };
  summaries.set(name, t);
  if (details.has(tpl.name)) details.set(name, Object.assign(JSON.parse(JSON.stringify(details.get(tpl.name))), { name }));
}
const results = read('results.json');
const incidents = read('incidents.json');
const dailyOne = read('daily.json');

function detailOf(name) {
  const s = summaries.get(name);
  const d = details.get(name) || details.get(templates[0].name);
  return Object.assign({}, d, s);
}

/* ---- the event stream ------------------------------------------------- */
const clients = new Set();
let eventId = 0;
function publish(event, data) {
  eventId++;
  const frame = 'event: ' + event + '\nid: ' + eventId + '\ndata: ' + JSON.stringify(data) + '\n\n';
  for (const c of clients) c.write(frame);
}

function days(n) {
  const today = Math.floor(Date.now() / 86400000) * 86400000;
  const from = new Date(today - (n - 1) * 86400000).toISOString().slice(0, 10);
  const targets = {};
  let k = 0;
  for (const name of summaries.keys()) {
    const a = [];
    for (let i = 0; i < n; i++) {
      if (i < 30 && k % 4 === 0) a.push(null);
      else if ((i * 7 + k) % 23 === 0) a.push(0.9514);
      else if ((i * 5 + k) % 41 === 0) a.push(0.4);
      else a.push(1);
    }
    targets[name] = a;
    k++;
  }
  return { from, days: n, targets };
}

/* ---- HTTP ------------------------------------------------------------- */
function send(res, status, type, body, extra) {
  res.writeHead(status, Object.assign({ 'Content-Type': type, 'Cache-Control': 'no-store' }, extra || {}));
  res.end(body);
}
function json(res, status, body) {
  send(res, status, 'application/json', JSON.stringify(body));
}
function error(res, status, word, detail) {
  json(res, status, { error: word, detail });
}
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml' };
function asset(res, file) {
  const p = path.join(opt.page, file);
  if (!/^[a-z0-9_.-]+$/.test(file) || !fs.existsSync(p)) return error(res, 404, 'not_found', 'no such asset');
  send(res, 200, TYPES[path.extname(p)], fs.readFileSync(p));
}
function body(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  let m;
  if (req.method === 'GET' && (p === '/' || p === '/validports' || /^\/t\/[^/]+$/.test(p))) return asset(res, 'index.html');
  if (req.method === 'GET' && (m = /^\/assets\/(.+)$/.exec(p))) return asset(res, m[1]);
  if (req.method === 'GET' && p === '/api/v1/targets') return json(res, 200, { targets: [...summaries.values()] });
  if (req.method === 'GET' && p === '/api/v1/daily') return json(res, 200, days(Number(url.searchParams.get('days') || 90)));
  if (req.method === 'GET' && p === '/api/v1/events') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write(': hello\n\n');
    clients.add(res);
    req.on('close', () => clients.delete(res));
    return undefined;
  }
  if ((m = /^\/api\/v1\/targets\/([a-z0-9._-]+)(\/[a-z]+)?$/.exec(p))) {
    const name = m[1], sub = m[2] || '';
    if (!summaries.has(name)) return error(res, 404, 'not_found', 'no target named ' + name);
    if (req.method === 'GET' && sub === '') return json(res, 200, detailOf(name));
    if (req.method === 'GET' && sub === '/results') return json(res, 200, Object.assign({}, results, { target: name }));
    if (req.method === 'GET' && sub === '/incidents') return json(res, 200, Object.assign({}, incidents, { target: name }));
    if (req.method === 'GET' && sub === '/daily') return json(res, 200, Object.assign({}, dailyOne, { target: name }));
    if (req.method === 'POST' && sub === '/run') {
      await body(req);
      const auth = req.headers.authorization || '';
      if (!auth) return error(res, 401, 'unauthorized', 'this route needs a bearer token');
      if (auth !== 'Bearer ' + WRITE_TOKEN) return error(res, 403, 'forbidden', 'the token has no write scope');
      const s = summaries.get(name);
      s.last_run = new Date().toISOString();
      publish('result', s);
      return json(res, 200, detailOf(name));
    }
  }
  if (req.method === 'POST' && p === '/api/v1/validports') {
    let b;
    try { b = JSON.parse(await body(req)); } catch (e) { return error(res, 400, 'bad_request', 'the body is not JSON'); }
    if (typeof b.value !== 'string') return error(res, 400, 'bad_request', 'value: a string is required');
    const argv = ['validports', '--json', b.value];
    if (Array.isArray(b.names) && b.names.length) argv.push('--names', b.names.join(','));
    return execFile(opt.oaprobe, argv, (err, out) => {
      try { json(res, 200, JSON.parse(out)); } catch (e) { error(res, 500, 'internal', 'validports failed'); }
    });
  }
  /* test control: PATCH a target's summary and publish it as a result */
  if (req.method === 'POST' && (m = /^\/_fixture\/set\/([a-z0-9._-]+)$/.exec(p))) {
    const patch = JSON.parse(await body(req));
    const s = summaries.get(m[1]);
    if (!s) return error(res, 404, 'not_found', 'no target');
    const from = s.status;
    Object.assign(s, patch);
    if (details.has(m[1]) && patch.result !== undefined) details.get(m[1]).result = patch.result;
    publish('result', s);
    if (from !== s.status) {
      publish('state', { target: s.name, from, to: s.status, at: new Date().toISOString(), codes: s.codes, reason: s.reason,
        maintenance: s.maintenance });
    }
    return json(res, 200, s);
  }
  return error(res, 404, 'not_found', 'no route ' + p);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write('listening http://127.0.0.1:' + server.address().port + '\n');
});
process.on('SIGTERM', () => process.exit(0));
