/**
 * The report page's script, inlined (its sha256 is the only script the CSP allows). It reads
 * the embedded JSON and builds the page with createElement and textContent only: remote output
 * never passes through an HTML parser. Plain ES2017 in a string, no template literals (this
 * file is one), no listeners in markup. The timeline is one viewport-sized canvas redrawn on
 * scroll, so 1,000 or 10,000 hosts cost the same to draw.
 */
import { CLIENT_VIEWS } from './client-views.js';

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
` + CLIENT_VIEWS;
