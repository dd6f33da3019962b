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
    tr.appendChild(el('td', bytes(x.residentBytes)));
    rows.appendChild(tr);
    const part = el('span');
    part.title = (x.tenant || '(none)') + ': ' + bytes(x.residentBytes);
    part.style.width = (total ? 100 * x.residentBytes / total : 0) + '%';
    part.style.background = 'hsl(' + ((i * 67) % 360) + ',60%,60%)';
    barBox.appendChild(part);
  });
  $('tenant-bars').replaceChildren(barBox);
}

function addEvent(e) {
  const li = el('li', new Date(e.time).toLocaleTimeString() + '  ' + e.node + '  ' + e.kind.padEnd(8) + '  ' + e.subject + '  ' + e.detail, 'kind-' + e.kind);
  li.dataset.text = (e.kind + ' ' + e.subject + ' ' + e.detail).toLowerCase();
  const filter = $('activity-filter').value.toLowerCase();
  li.hidden = filter && !li.dataset.text.includes(filter);
  $('feed').prepend(li);
  while ($('feed').children.length > 1000) $('feed').lastChild.remove();
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
$('placement-form').addEventListener('submit', (e) => {
  e.preventDefault();
  let settings;
  try { settings = JSON.parse($('placement').value); } catch (x) { showError('placement: not JSON: ' + x.message); return; }
  post('placement', settings).then(loadMesh).catch((x) => showError(x.message));
});
$('activity-filter').addEventListener('input', () => {
  const filter = $('activity-filter').value.toLowerCase();
  for (const li of $('feed').children) li.hidden = filter && !li.dataset.text.includes(filter);
});
setInterval(() => {
  const tab = document.querySelector('.tab.active').dataset.tab;
  if (tab === 'mesh' || tab === 'tenants') refresh(tab);
}, 5000);
showTab('mesh');
followActivity();
