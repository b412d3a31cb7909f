/**
 * The second half of the report page's script (see client-script.ts, which it ends): the
 * timeline and the output groups, built after the table's first paint. It runs inside the same
 * function as the first half and uses its helpers (el, ms, bytes, data, rows...).
 */
export const CLIENT_VIEWS = String.raw`
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
