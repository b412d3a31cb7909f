/**
 * The report page's script, inlined (its sha256 is the only script the CSP allows). It reads
 * the embedded JSON and builds the page with createElement and textContent only: remote output
 * never passes through an HTML parser. Plain ES2017 in a string, no template literals (this
 * file is one), no listeners in markup. The timeline is one viewport-sized canvas redrawn on
 * scroll, so 1,000 or 10,000 hosts cost the same to draw.
 */
export const CLIENT_SCRIPT = String.raw`(function () {
'use strict';
var data = JSON.parse(document.getElementById('fleet-data').textContent);
var RANK = { lost: 0, unreachable: 1, auth: 2, hostkey: 3, timeout: 4, error: 5, interrupted: 6, failed: 7, unknown: 8, skipped: 9, unchanged: 10, ok: 11 };
var COLORS = { wait: '#e3e7eb', connect: '#90a4ae', tcp: '#64b5f6', banner: '#4dd0e1', kex: '#9575cd', auth: '#f06292', channel: '#ffb74d', run: '#66bb6a', transfer: '#26a69a', exit: '#8d6e63' };
var PHASES = { tcp: 1, banner: 1, kex: 1, auth: 1, channel: 1, exit: 1 };
var STATUS_COLORS = { ok: '#2e7d32', unchanged: '#00796b', failed: '#d84315', skipped: '#757575', interrupted: '#b28704', lost: '#6a1b9a', unknown: '#757575' };

function $(id) { return document.getElementById(id); }
function el(tag, cls, text) {
  var e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
function rank(s) { return own(RANK, s) ? RANK[s] : 8; }
function statusClass(s) { return 'st-' + String(s).replace(/[^a-z]/g, ''); }
function badge(s) { return el('span', 'badge ' + statusClass(s), s); }
function ms(v) {
  if (v < 1000) return Math.round(v) + ' ms';
  if (v < 60000) return (v / 1000).toFixed(v < 10000 ? 2 : 1) + ' s';
  return Math.floor(v / 60000) + ' min ' + Math.round((v % 60000) / 1000) + ' s';
}
function bytes(n) {
  var units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  var i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
}
function when(iso) { return iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC') : '\u2014'; }

// ---- header
$('command').textContent = data.command || '\u2014';
if (data.steps) {
  var list = $('steps');
  list.hidden = false;
  data.steps.forEach(function (name, i) { list.appendChild(el('li', null, name)); });
}
var meta = $('meta');
function addMeta(label, value) { meta.appendChild(el('dt', null, label)); meta.appendChild(el('dd', null, value)); }
addMeta('started', when(data.started));
addMeta('duration', ms(data.durationMs));
addMeta('hosts', String(data.hosts.length));
if (data.selection) addMeta('selection', data.selection);
if (data.ranBy) addMeta('ran by', data.ranBy);
addMeta('exit code', data.exitCode === null ? '\u2014' : String(data.exitCode));
var transfers = data.hosts.filter(function (h) { return h.transfer; });
if (transfers.length > 0) {
  var rates = transfers.map(function (h) { return h.transfer[4]; }).sort(function (a, b) { return a - b; });
  var total = transfers.reduce(function (sum, h) { return sum + h.transfer[0]; }, 0);
  addMeta('transferred', bytes(total) + ' to/from ' + transfers.length + ' hosts; rate per host: median ' + bytes(rates[Math.floor(rates.length / 2)]) + '/s, slowest ' + bytes(rates[0]) + '/s');
}

// ---- summary chips double as the status filter
var filter = { status: null, text: '' };
var chips = $('chips');
function chip(label, status, count) {
  var b = el('button', 'chip');
  b.type = 'button';
  b.dataset.status = status === null ? '' : status;
  b.setAttribute('aria-pressed', status === filter.status ? 'true' : 'false');
  b.appendChild(el('span', null, label));
  b.appendChild(el('span', 'n', count));
  b.addEventListener('click', function () { filter.status = status; applyFilter(); });
  chips.appendChild(b);
}
chip('all', null, data.hosts.length);
data.summary.forEach(function (pair) { chip(pair[0], pair[0], pair[1]); });

// ---- the hosts table, failures first
var hasTransfer = transfers.length > 0;
var steps = data.steps || [];
var head = $('hosts-head');
['host', 'status', 'error', 'exit', 'duration'].forEach(function (name, i) { head.appendChild(el('th', i >= 3 ? 'num' : null, name)); });
if (hasTransfer) { head.appendChild(el('th', 'num', 'bytes')); head.appendChild(el('th', 'num', 'rate')); }
steps.forEach(function (name, i) { var th = el('th', null, (i + 1) + '. ' + name); th.title = name; head.appendChild(th); });
head.appendChild(el('th', null, 'output'));

var order = data.hosts.map(function (h, i) { return i; });
order.sort(function (a, b) { return rank(data.hosts[a].status) - rank(data.hosts[b].status) || a - b; });
var body = $('hosts-body');
var rows = [];
var FIRST = 100;
var fragment = document.createDocumentFragment();
var later = document.createDocumentFragment();
var groupApi = { open: function () {} };
order.forEach(function (i, position) {
  var h = data.hosts[i];
  var tr = el('tr');
  tr.dataset.status = h.status;
  var name = el('td', 'mono', h.host);
  name.title = h.user + '@' + h.address + ':' + h.port;
  tr.appendChild(name);
  var st = el('td'); st.appendChild(badge(h.status)); tr.appendChild(st);
  var err = el('td', 'err');
  if (h.errorCode) err.appendChild(el('span', 'code mono', h.errorCode));
  if (h.errorMessage) err.appendChild(el('span', null, h.errorMessage));
  tr.appendChild(err);
  tr.appendChild(el('td', 'num', h.exitCode !== null ? h.exitCode : h.signal ? 'SIG' + h.signal : ''));
  tr.appendChild(el('td', 'num', ms(h.durationMs)));
  if (hasTransfer) {
    tr.appendChild(el('td', 'num', h.transfer ? bytes(h.transfer[0]) : ''));
    tr.appendChild(el('td', 'num', h.transfer ? bytes(h.transfer[4]) + '/s' : ''));
  }
  steps.forEach(function (_, k) {
    var cell = h.steps && h.steps[k];
    var td = el('td', 'step');
    if (cell) {
      td.appendChild(badge(cell[0]));
      td.appendChild(document.createTextNode(' ' + (cell[1] !== null ? 'exit ' + cell[1] + ', ' : '') + ms(cell[2])));
    } else td.textContent = '\u2014';
    tr.appendChild(td);
  });
  var out = el('td');
  if (h.group >= 0) {
    var link = el('button', 'link', 'group ' + (h.group + 1));
    link.type = 'button';
    link.addEventListener('click', function () { groupApi.open(h.group); });
    out.appendChild(link);
  }
  tr.appendChild(out);
  (position < FIRST ? fragment : later).appendChild(tr);
  var text = (h.host + ' ' + h.status + ' ' + (h.errorCode || '') + ' ' + (h.errorMessage || '') + ' ' + h.address).toLowerCase();
  rows.push({ tr: tr, status: h.status, text: text });
});
body.appendChild(fragment);
if (rows.length > 0) rows[0].tr.firstChild.setAttribute('elementtiming', 'fleet-table');
performance.mark('fleet:table');

function applyFilter() {
  var shown = 0;
  rows.forEach(function (r) {
    var visible = (filter.status === null || r.status === filter.status) && (filter.text === '' || r.text.indexOf(filter.text) >= 0);
    r.tr.hidden = !visible;
    if (visible) shown++;
  });
  Array.prototype.forEach.call(chips.children, function (b) {
    b.setAttribute('aria-pressed', (b.dataset.status || null) === filter.status ? 'true' : 'false');
  });
  $('shown').textContent = shown + ' of ' + rows.length + ' hosts shown';
}
$('search').addEventListener('input', function (e) { filter.text = e.target.value.trim().toLowerCase(); applyFilter(); });
applyFilter();

// ---- the rest waits for the first paint of the table: laying out the timeline reads the page's
// width, which would force a layout of every row first.
function finish() {
  body.appendChild(later);
  // ---- timeline: slowest first, one canvas the size of the viewport
  var ROW = 14, AXIS = 20, LABEL = 150;
  var tlHosts = data.hosts.slice().sort(function (a, b) { return b.durationMs - a.durationMs || end(b) - end(a); });
  function end(h) { return h.segments.reduce(function (m, s) { return Math.max(m, s[2]); }, 0); }
  var span = Math.max(1, data.durationMs, data.hosts.reduce(function (m, h) { return Math.max(m, end(h)); }, 0));
  var scroll = $('timeline');
  var canvas = $('timeline-canvas');
  var spacer = $('timeline-spacer');
  var tip = $('tooltip');
  var ctx = canvas.getContext('2d');
  var legend = $('legend');
  Object.keys(COLORS).forEach(function (k) {
    var item = el('span');
    var swatch = el('i');
    swatch.style.background = COLORS[k];
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(k));
    legend.appendChild(item);
  });
  function layout() {
    var width = Math.max(300, scroll.clientWidth);
    var height = Math.min(AXIS + tlHosts.length * ROW, 480);
    scroll.style.height = height + 'px';
    var ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = width + 'px';
    canvas.style.height = height + 'px';
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    spacer.style.height = Math.max(0, AXIS + tlHosts.length * ROW - height) + 'px';
    draw();
  }
  function xOf(t, width) { return LABEL + (t / span) * (width - LABEL - 8); }
  function draw() {
    var width = canvas.clientWidth, height = canvas.clientHeight;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
    ctx.textBaseline = 'middle';
    var first = Math.floor(scroll.scrollTop / ROW);
    var last = Math.min(tlHosts.length, first + Math.ceil((height - AXIS) / ROW) + 1);
    for (var r = first; r < last; r++) {
      var h = tlHosts[r];
      var y = AXIS + (r - first) * ROW - (scroll.scrollTop % ROW);
      if (y < AXIS - ROW) continue;
      ctx.fillStyle = own(STATUS_COLORS, h.status) ? STATUS_COLORS[h.status] : '#c62828';
      ctx.fillText(h.host.length > 20 ? h.host.slice(0, 19) + '\u2026' : h.host, 4, y + ROW / 2);
      for (var pass = 0; pass < 2; pass++) {
        h.segments.forEach(function (s) {
          if ((pass === 1) !== own(PHASES, s[0])) return;
          var x0 = xOf(s[1], width), x1 = xOf(s[2], width);
          ctx.fillStyle = own(COLORS, s[0]) ? COLORS[s[0]] : '#999';
          ctx.fillRect(x0, y + 2, Math.max(1, x1 - x0), ROW - 4);
        });
      }
    }
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, AXIS);
    ctx.fillStyle = '#5f6b76';
    ctx.strokeStyle = '#d9dee3';
    for (var i = 0; i <= 5; i++) {
      var t = (span * i) / 5, x = xOf(t, width);
      ctx.fillRect(x, AXIS - 4, 1, 4);
      ctx.textAlign = i === 0 ? 'left' : i === 5 ? 'right' : 'center';
      ctx.fillText(ms(t), x, AXIS / 2);
    }
    ctx.textAlign = 'left';
  }
  scroll.addEventListener('scroll', function () { draw(); tip.hidden = true; });
  window.addEventListener('resize', layout);
  canvas.addEventListener('mouseleave', function () { tip.hidden = true; });
  canvas.addEventListener('mousemove', function (e) {
    var rect = canvas.getBoundingClientRect();
    var y = e.clientY - rect.top;
    if (y < AXIS) { tip.hidden = true; return; }
    var h = tlHosts[Math.floor((y - AXIS + scroll.scrollTop) / ROW)];
    if (!h) { tip.hidden = true; return; }
    var lines = [h.host + '  ' + h.status + '  ' + ms(h.durationMs)];
    h.segments.forEach(function (s) {
      lines.push((s[3] >= 0 && steps.length > 0 ? 'step ' + (s[3] + 1) + ' ' : '') + s[0] + ': ' + ms(s[2] - s[1]) + '  (' + ms(s[1]) + ' \u2192 ' + ms(s[2]) + ')');
    });
    if (h.transfer) lines.push('transfer: ' + bytes(h.transfer[0]) + ' at ' + bytes(h.transfer[4]) + '/s');
    tip.textContent = lines.join('\n');
    tip.hidden = false;
    tip.style.left = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + 'px';
    tip.style.top = Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 8) + 'px';
  });
  layout();

  // ---- output groups, each diffed against the largest; bodies built when opened
  var groupsRoot = $('groups');
  var groupEls = [];
  var printed = data.groups.some(function (g) { return g.text !== ''; });
  if (!printed) groupsRoot.appendChild(el('p', 'muted', 'No host printed anything.'));
  if (printed) data.groups.forEach(function (g, i) {
    var d = el('details', 'group');
    d.id = 'group-' + (i + 1);
    var sum = el('summary');
    sum.appendChild(el('span', 'muted', (i + 1) + '. '));
    var label = el('span', 'hosts mono', g.label.length > 300 ? g.label.slice(0, 299) + '\u2026' : g.label);
    label.title = g.count + ' hosts';
    sum.appendChild(label);
    sum.appendChild(document.createTextNode(' (' + g.count + (g.count === 1 ? ' host) ' : ' hosts) ')));
    sum.appendChild(badge(g.outcome));
    if (g.cut) sum.appendChild(el('span', 'muted', ' output cut to ' + data.outputCap + ' characters per host'));
    if (g.diff) {
      var changed = g.diff.filter(function (x) { return x[0] === '+' || x[0] === '-'; }).length;
      sum.appendChild(el('span', 'muted', changed === 0 ? ' \u00b7 same output as group 1' : ' \u00b7 ' + changed + ' changed lines vs group 1'));
    }
    d.appendChild(sum);
    d.addEventListener('toggle', function () { if (d.open) fill(d, g); });
    groupsRoot.appendChild(d);
    groupEls.push(d);
  });
  function fill(d, g) {
    if (d.dataset.filled) return;
    d.dataset.filled = '1';
    var box = el('div', 'body');
    if (g.label.length > 300) box.appendChild(el('div', 'mono', g.label));
    if (g.diff) {
      box.appendChild(el('div', 'muted', 'diff against group 1 (the largest):'));
      var pre = el('pre', 'diff');
      g.diff.forEach(function (x) {
        if (x[0] === '=') pre.appendChild(el('span', 'skip', '  \u2026 ' + x[1] + ' unchanged lines \u2026'));
        else pre.appendChild(el('span', x[0] === '+' ? 'add' : x[0] === '-' ? 'del' : 'ctx', x[0] + ' ' + x[1]));
      });
      box.appendChild(pre);
      box.appendChild(el('div', 'muted', 'output:'));
    }
    box.appendChild(el('pre', 'output', g.text === '' ? '(no output)' : g.text));
    d.appendChild(box);
  }
  function openGroup(i) {
    var d = groupEls[i];
    if (!d) return;
    d.open = true;
    fill(d, data.groups[i]);
    d.scrollIntoView({ block: 'start' });
  }
  if (groupEls.length > 0) { groupEls[0].open = true; fill(groupEls[0], data.groups[0]); }
  groupApi.open = openGroup;
  document.body.dataset.ready = '1';
}
var started = false;
function start() { if (!started) { started = true; finish(); } }
// After the next frame; the timer alone covers a tab that gets no frames (opened in the background).
requestAnimationFrame(function () { setTimeout(start, 0); });
setTimeout(start, 1000);
})();
`;
