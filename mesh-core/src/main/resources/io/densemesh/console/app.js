'use strict';
// DenseMesh console: plain JavaScript over the node's console API, addressed relatively (api/...) so the page works behind a path prefix; no build step.
const state = { token: sessionStorage.getItem('dm-token') || '', after: '', detail: null, stream: null };
const $ = (id) => document.getElementById(id);

function headers(extra) {
  const h = Object.assign({}, extra || {});
  if (state.token) h['Authorization'] = 'Bearer ' + state.token;
  return h;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = headers(opts.headers);
  const response = await fetch('api/' + path, opts);
  const text = await response.text();
  const body = text ? JSON.parse(text) : {};
  if (!response.ok) throw new Error(body.error || ('HTTP ' + response.status));
  showError('');
  return body;
}

function showError(message) {
  $('error').hidden = !message;
  $('error').textContent = message;
}

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function bytes(n) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return n.toFixed(i ? 1 : 0) + ' ' + units[i];
}

function ago(millis) {
  if (!millis) return 'never';
  const s = Math.max(0, (Date.now() - millis) / 1000);
  if (s < 90) return Math.round(s) + ' s ago';
  if (s < 5400) return Math.round(s / 60) + ' min ago';
  return Math.round(s / 3600) + ' h ago';
}

function bar(used, capacity) {
  const b = el('span', undefined, 'bar' + (capacity && used / capacity > 0.9 ? ' hot' : ''));
  const fill = el('span');
  fill.style.width = (capacity ? Math.min(100, 100 * used / capacity) : 0) + '%';
  b.appendChild(fill);
  return b;
}


// Charts: small SVG pictures drawn here (no library, no CDN): bars, lines and stacked bars.
const SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}
function colour(i) { return 'hsl(' + ((i * 67) % 360) + ',60%,58%)'; }

function emptyChart(box, text) {
  box.replaceChildren(el('p', text, 'empty'));
}

// series: [{values: [numbers], kind: 'bar'|'line', colour}] sharing one x axis of labels.
function xyChart(box, labels, series, opts) {
  const o = Object.assign({ width: 360, height: 120, max: undefined, format: (v) => String(v) }, opts || {});
  if (!labels.length) { emptyChart(box, 'no data yet'); return; }
  const pad = { l: 36, r: 6, t: 6, b: 16 };
  const w = o.width - pad.l - pad.r, h = o.height - pad.t - pad.b;
  let max = o.max;
  if (max === undefined) max = Math.max(1e-9, ...series.flatMap((s) => s.values.filter((v) => v >= 0)));
  const chart = svg('svg', { width: o.width, height: o.height, role: 'img' });
  chart.appendChild(svg('line', { x1: pad.l, y1: pad.t + h, x2: pad.l + w, y2: pad.t + h, stroke: '#c9cfdd' }));
  const top = svg('text', { x: 2, y: pad.t + 8 }); top.textContent = o.format(max); chart.appendChild(top);
  const zero = svg('text', { x: 2, y: pad.t + h }); zero.textContent = o.format(0); chart.appendChild(zero);
  const step = w / labels.length;
  const y = (v) => pad.t + h - Math.max(0, Math.min(1, v / max)) * h;
  for (const s of series) {
    if (s.kind === 'bar') {
      s.values.forEach((v, i) => {
        if (!(v > 0)) return;
        const r = svg('rect', { x: pad.l + i * step + step * 0.1, y: y(v), width: Math.max(1, step * 0.8), height: pad.t + h - y(v), fill: s.colour });
        const t = svg('title'); t.textContent = labels[i] + ': ' + o.format(v); r.appendChild(t);
        chart.appendChild(r);
      });
    } else {
      const pts = s.values.map((v, i) => v < 0 ? null : (pad.l + (i + 0.5) * step) + ',' + y(v)).filter((p) => p);
      if (pts.length) chart.appendChild(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 2 }));
    }
  }
  const first = svg('text', { x: pad.l, y: o.height - 2 }); first.textContent = labels[0]; chart.appendChild(first);
  const last = svg('text', { x: pad.l + w, y: o.height - 2, 'text-anchor': 'end' }); last.textContent = labels[labels.length - 1]; chart.appendChild(last);
  box.replaceChildren(chart);
}

// rows: [{label, parts: [{name, value}], total}] drawn as one stacked bar per row, scaled to total.
function stackedBars(box, rows, names) {
  if (!rows.length) { emptyChart(box, 'no nodes'); return; }
  const width = 520, rowH = 22, labelW = 120;
  const chart = svg('svg', { width: width + labelW + 90, height: rows.length * rowH + 24, role: 'img' });
  rows.forEach((row, r) => {
    const y = r * rowH + 4;
    const label = svg('text', { x: 0, y: y + 13 }); label.textContent = row.label; chart.appendChild(label);
    chart.appendChild(svg('rect', { x: labelW, y, width, height: rowH - 6, fill: '#e3e6ef' }));
    let x = labelW;
    for (const part of row.parts) {
      const pw = row.total ? width * part.value / row.total : 0;
      const rect = svg('rect', { x, y, width: Math.max(0, pw), height: rowH - 6, fill: colour(names.indexOf(part.name)) });
      const t = svg('title'); t.textContent = (part.name || '(no tenant)') + ': ' + bytes(part.value); rect.appendChild(t);
      chart.appendChild(rect);
      x += pw;
    }
    const used = svg('text', { x: labelW + width + 6, y: y + 13 });
    used.textContent = bytes(row.parts.reduce((s, p) => s + p.value, 0)) + ' / ' + bytes(row.total);
    chart.appendChild(used);
  });
  names.forEach((n, i) => {
    const x = labelW + (i % 6) * 90, y = rows.length * rowH + 8 + Math.floor(i / 6) * 14;
    chart.appendChild(svg('rect', { x, y, width: 10, height: 10, fill: colour(i) }));
    const t = svg('text', { x: x + 14, y: y + 9 }); t.textContent = n || '(no tenant)'; chart.appendChild(t);
  });
  chart.setAttribute('height', rows.length * rowH + 12 + Math.ceil(names.length / 6) * 14);
  box.replaceChildren(chart);
}

function clock(millis) { return new Date(millis).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }); }

async function loadHistory() {
  const h = await api('history');
  const labels = h.points.map((p) => clock(p.time));
  xyChart($('hit-chart'), labels, [{ kind: 'line', colour: '#2f8f5b', values: h.points.map((p) => p.hitRatio) }],
    { max: 1, format: (v) => Math.round(v * 100) + '%' });
  const perMinute = (p, n) => n * 60 / p.seconds;
  xyChart($('load-chart'), labels, [
    { kind: 'bar', colour: '#6aa0ff', values: h.points.map((p) => perMinute(p, p.loads)) },
    { kind: 'line', colour: '#e8833a', values: h.points.map((p) => perMinute(p, p.evictions)) }],
  { format: (v) => v.toFixed(v < 10 ? 1 : 0) });
  xyChart($('request-chart'), labels, [{ kind: 'bar', colour: '#8a7bd8', values: h.points.map((p) => p.requests / p.seconds) }],
    { format: (v) => v.toFixed(v < 10 ? 1 : 0) });
}

function micros(v) {
  if (v < 0) return 'more';
  return v >= 1e6 ? (v / 1e6) + ' s' : v >= 1000 ? (v / 1000) + ' ms' : v + ' µs';
}

async function loadMesh() {
  const mesh = await api('mesh');
  $('mesh-summary').textContent = mesh.nodes.length + ' node(s), leader ' + (mesh.leader || 'none')
    + ', this node ' + mesh.self + ', ' + mesh.thisNode.registeredModels + ' models registered, '
    + mesh.thisNode.loadsInProgress + ' loads in progress of ' + mesh.thisNode.loadingSlots + ' slots';
  const rows = $('nodes');
  rows.replaceChildren();
  for (const n of mesh.nodes) {
    const tr = el('tr');
    tr.appendChild(el('td', n.id));
    tr.appendChild(el('td', n.zone || '-'));
    const mem = el('td');
    mem.appendChild(bar(n.usedBytes, n.capacityBytes));
    mem.appendChild(el('span', ' ' + bytes(n.usedBytes) + ' / ' + bytes(n.capacityBytes)));
    if (n.gpuCapacityBytes) {
      mem.appendChild(el('br'));
      mem.appendChild(bar(n.gpuUsedBytes, n.gpuCapacityBytes));
      mem.appendChild(el('span', ' GPU ' + bytes(n.gpuUsedBytes) + ' / ' + bytes(n.gpuCapacityBytes)));
    }
    tr.appendChild(mem);
    tr.appendChild(el('td', String(n.loadedModels)));
    const st = el('td');
    if (n.leader) st.appendChild(el('span', 'leader', 'badge leader'));
    if (n.draining) st.appendChild(el('span', 'draining', 'badge draining'));
    tr.appendChild(st);
    tr.appendChild(el('td', Object.entries(n.labels).map(([k, v]) => v ? k + '=' + v : k).join(', ')));
    rows.appendChild(tr);
  }
  const names = [...new Set(mesh.nodes.flatMap((n) => Object.keys(n.byTenant)))].sort();
  stackedBars($('memory-chart'), mesh.nodes.map((n) => ({ label: n.id, total: n.capacityBytes,
    parts: Object.entries(n.byTenant).map(([name, value]) => ({ name, value })) })), names);
  const me = mesh.nodes.find((n) => n.id === mesh.self);
  $('drain-node').disabled = !!(me && me.draining);
  await loadHistory();
  if (document.activeElement !== $('placement')) {
    $('placement').value = JSON.stringify(mesh.placement, null, 2);
  }
}

async function searchModels(reset) {
  if (reset) state.after = '';
  const q = new URLSearchParams({ prefix: $('prefix').value, tenant: $('tenant').value,
    state: $('state').value, after: state.after, limit: '50' });
  const page = await api('models?' + q);
  const rows = $('model-rows');
  if (reset) rows.replaceChildren();
  for (const m of page.models) {
    const tr = el('tr');
    tr.appendChild(el('td', m.id));
    tr.appendChild(el('td', m.tenant || '-'));
    tr.appendChild(el('td', m.copies.map((c) => c.node + (c.state === 'loaded' ? '' : ' (' + c.state + ')')).join(', ') || '-'));
    tr.appendChild(el('td', (m.minCopies || 'default') + ' / ' + (m.maxCopies || 'default')));
    tr.appendChild(el('td', ago(m.lastUsed)));
    tr.appendChild(el('td', m.failures.map((f) => f.node + ': ' + f.reason).join('; ') || '-'));
    tr.addEventListener('click', () => showModel(m.id).catch((e) => showError(e.message)));
    rows.appendChild(tr);
  }
  state.after = page.next;
  $('next-page').hidden = !page.next;
}

async function showModel(id) {
  const m = await api('models/' + encodeURIComponent(id));
  if (state.detail !== id) $('action-result').textContent = '';
  state.detail = id;
  $('model-detail').hidden = false;
  $('detail-title').textContent = m.id;
  const fields = $('detail-fields');
  fields.replaceChildren();
  const add = (k, v) => { fields.appendChild(el('dt', k)); fields.appendChild(el('dd', v)); };
  add('status', m.status);
  add('type', m.type);
  add('path', m.path);
  add('tenant', m.tenant || '-');
  add('copies', m.copies.map((c) => c.node + ' ' + c.state + (c.sizeBytes ? ' ' + bytes(c.sizeBytes) : '')).join(', ') || 'none');
  add('last used', ago(m.lastUsed));
  if (m.here) add('on this node', m.here.phase + ', ' + bytes(m.here.sizeBytes) + ', loaded in ' + m.here.loadMillis + ' ms' + (m.here.failure ? ', ' + m.here.failure : ''));
  add('failures', m.failures.map((f) => f.node + ': ' + f.reason).join('; ') || 'none');
  $('min-copies').value = m.minCopies;
  $('max-copies').value = m.maxCopies;
  $('pin').textContent = m.minCopies > 0 ? 'Unpin' : 'Pin';
  $('pin').dataset.pinned = m.minCopies > 0 ? 'true' : 'false';
  if (m.latency) {
    $('latency-caption').textContent = 'latency on this node: ' + m.latency.count + ' requests, ' + m.latency.errors
      + ' errors, p50 ≤ ' + micros(m.latency.p50Micros) + ', p99 ≤ ' + micros(m.latency.p99Micros);
    xyChart($('latency-chart'), m.latency.counts.map((c, i) => '≤ ' + micros(i < m.latency.boundsMicros.length ? m.latency.boundsMicros[i] : -1)),
      [{ kind: 'bar', colour: '#6aa0ff', values: m.latency.counts }]);
    xyChart($('minutes-chart'), m.minutes.map((x) => clock(x.time)), [
      { kind: 'bar', colour: '#8a7bd8', values: m.minutes.map((x) => x.requests) },
      { kind: 'line', colour: '#2f8f5b', values: m.minutes.map((x) => x.copies) }]);
  } else {
    $('latency-caption').textContent = 'latency on this node';
    emptyChart($('latency-chart'), 'not served on this node recently');
    emptyChart($('minutes-chart'), 'not served on this node recently');
  }
  const list = $('detail-activity');
  list.replaceChildren();
  for (const e of m.activity) list.appendChild(el('li', new Date(e.time).toLocaleTimeString() + ' ' + e.kind + ' ' + e.detail));
}

async function loadTenants() {
  const t = await api('tenants');
  const rows = $('tenant-rows');
  rows.replaceChildren();
  const total = t.tenants.reduce((s, x) => s + x.residentBytes, 0);
  const barBox = el('div', undefined, 'tenant-bar');
  t.tenants.forEach((x, i) => {
    const tr = el('tr');
    tr.appendChild(el('td', x.tenant || '(none)'));
    tr.appendChild(el('td', String(x.residentModels)));
    const quota = el('td');
    quota.appendChild(bar(x.residentBytes, x.quotaBytes));
    quota.appendChild(el('span', ' ' + bytes(x.residentBytes) + ' / ' + bytes(x.quotaBytes)));
    tr.appendChild(quota);
    tr.appendChild(el('td', x.requestsPerSecond.toFixed(1)));
    tr.appendChild(el('td', x.limits.requestsPerSecond ? String(x.limits.requestsPerSecond) : 'none'));
    tr.appendChild(el('td', x.limits.requestBurst ? String(x.limits.requestBurst) : 'default'));
    tr.appendChild(el('td', x.limits.maxModels ? String(x.limits.maxModels) : 'none'));
    tr.addEventListener('click', () => {
      $('limit-tenant').value = x.tenant;
      $('limit-rate').value = x.limits.requestsPerSecond || '';
      $('limit-burst').value = x.limits.requestBurst || '';
      $('limit-models').value = x.limits.maxModels || '';
      $('limit-quota').value = x.limits.quotaFraction;
    });
    rows.appendChild(tr);
    const part = el('span');
    part.title = (x.tenant || '(none)') + ': ' + bytes(x.residentBytes);
    part.style.width = (total ? 100 * x.residentBytes / total : 0) + '%';
    part.style.background = 'hsl(' + ((i * 67) % 360) + ',60%,60%)';
    barBox.appendChild(part);
  });
  $('tenant-bars').replaceChildren(barBox);
}

function eventItem(e) {
  const li = el('li', new Date(e.time).toLocaleTimeString() + '  ' + e.node + '  ' + e.kind.padEnd(8) + '  ' + e.subject + '  ' + e.detail, 'kind-' + e.kind);
  li.dataset.text = (e.kind + ' ' + e.subject + ' ' + e.detail + ' ' + e.node).toLowerCase();
  const filter = $('activity-filter').value.toLowerCase();
  li.hidden = filter && !li.dataset.text.includes(filter);
  return li;
}

function addEvent(e) {
  $('feed').prepend(eventItem(e));
  while ($('feed').children.length > 1000) $('feed').lastChild.remove();
}

// The whole mesh's feed: this node asks every peer for its recent events (no stream per node).
async function loadMeshFeed() {
  const r = await api('activity?scope=mesh');
  $('mesh-feed').replaceChildren(...r.events.reverse().map(eventItem));
  $('mesh-unreached').textContent = r.unreached.length ? 'not answering: ' + r.unreached.join(', ') : '';
}

async function followActivity() {
  // Server-sent events read with fetch, so that the admin token can travel as a header. A new
  // token aborts the open stream (state.stream) and the loop reconnects at once with it.
  while (true) {
    const stream = new AbortController();
    state.stream = stream;
    try {
      const response = await fetch('api/activity/stream', { headers: headers(), signal: stream.signal });
      if (!response.ok) {
        const why = response.status === 401 || response.status === 403
          ? 'enter an admin token to follow the activity feed' : 'HTTP ' + response.status;
        throw new Error('activity stream: ' + why);
      }
      $('feed').replaceChildren();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data && block.includes('event: activity')) addEvent(JSON.parse(data.slice(6)));
        }
      }
    } catch (e) {
      if (!stream.signal.aborted) showError(e.message);
    }
    if (!stream.signal.aborted) {
      await new Promise((r) => { setTimeout(r, 3000); stream.signal.addEventListener('abort', r); });
    }
  }
}

function showTab(name) {
  for (const b of document.querySelectorAll('.tab')) b.classList.toggle('active', b.dataset.tab === name);
  for (const p of document.querySelectorAll('.panel')) p.hidden = p.id !== name;
  refresh(name);
}

function refresh(name) {
  const run = { mesh: loadMesh, models: () => searchModels(true), tenants: loadTenants }[name];
  if (run) run().catch((e) => showError(e.message));
}

function post(path, body) {
  return api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body || {}) });
}

document.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));
$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('dm-token', state.token);
  $('token').value = '';
  showError('');
  if (state.stream) state.stream.abort();
  refresh(document.querySelector('.tab.active').dataset.tab);
});
$('model-search').addEventListener('submit', (e) => { e.preventDefault(); searchModels(true).catch((x) => showError(x.message)); });
$('next-page').addEventListener('click', () => searchModels(false).catch((x) => showError(x.message)));
$('load-now').addEventListener('click', () => post('models/' + encodeURIComponent(state.detail) + '/load')
  .then(() => showModel(state.detail)).catch((x) => showError(x.message)));
$('unload').addEventListener('click', () => post('models/' + encodeURIComponent(state.detail) + '/unload')
  .then((r) => { $('action-result').textContent = 'unloaded on ' + (r.droppedOn.join(', ') || 'no node (no copies)'); return showModel(state.detail); })
  .catch((x) => showError(x.message)));
$('set-copies').addEventListener('click', () => post('models/' + encodeURIComponent(state.detail) + '/copies',
  { minCopies: Number($('min-copies').value), maxCopies: Number($('max-copies').value) })
  .then(() => showModel(state.detail)).catch((x) => showError(x.message)));
$('pin').addEventListener('click', () => post('models/' + encodeURIComponent(state.detail) + '/pin',
  { pinned: $('pin').dataset.pinned !== 'true' })
  .then(() => showModel(state.detail)).catch((x) => showError(x.message)));
$('drain-node').addEventListener('click', () => {
  if (!confirm('Drain this node? It stops taking new copies and moves models in use elsewhere, until it restarts.')) return;
  post('drain').then((r) => { $('drain-result').textContent = r.draining ? 'draining' : ''; return loadMesh(); })
    .catch((x) => showError(x.message));
});
$('tenant-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const value = (id) => $(id).value.trim() === '' ? null : Number($(id).value);
  post('tenants/' + encodeURIComponent($('limit-tenant').value.trim()) + '/limits', {
    requestsPerSecond: value('limit-rate'), requestBurst: value('limit-burst'),
    maxModels: value('limit-models'), quotaFraction: value('limit-quota') })
    .then(() => { $('tenant-result').textContent = 'applied'; return loadTenants(); })
    .catch((x) => showError(x.message));
});
$('placement-form').addEventListener('submit', (e) => {
  e.preventDefault();
  let settings;
  try { settings = JSON.parse($('placement').value); } catch (x) { showError('placement: not JSON: ' + x.message); return; }
  post('placement', settings).then(loadMesh).catch((x) => showError(x.message));
});
$('activity-filter').addEventListener('input', () => {
  const filter = $('activity-filter').value.toLowerCase();
  for (const li of [...$('feed').children, ...$('mesh-feed').children]) li.hidden = filter && !li.dataset.text.includes(filter);
});
$('mesh-wide').addEventListener('change', () => {
  const wide = $('mesh-wide').checked;
  $('feed').hidden = wide;
  $('mesh-feed').hidden = !wide;
  $('mesh-unreached').textContent = '';
  if (wide) loadMeshFeed().catch((x) => showError(x.message));
});
setInterval(() => {
  const tab = document.querySelector('.tab.active').dataset.tab;
  if (tab === 'mesh' || tab === 'tenants') refresh(tab);
}, 5000);
setInterval(() => {
  if (document.querySelector('.tab.active').dataset.tab === 'activity' && $('mesh-wide').checked) {
    loadMeshFeed().catch((x) => showError(x.message));
  }
}, 3000);
showTab('mesh');
followActivity();
