// keel's dashboard: asks the admin listener for /dashboard.json once a
// second (only what is new after the first answer) and draws it as SVG.
// No library, no build step, nothing from another origin.
//
// Everything shown is built with createElement and textContent, never
// from markup: paths, messages and names in the data may come from PHP
// or from a client.
'use strict';

(function () {
  const TOKEN_KEY = 'keel-admin-token';
  const MAX_EVENTS = 400;      // kept in the page, newest last
  const SHOWN_EVENTS = 200;    // listed
  const SHOWN_GONE = 6;        // workers gone in the window named in the legend (all are charted)
  const SVG = 'http://www.w3.org/2000/svg';
  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b',
    '#e377c2', '#7f7f7f', '#bcbd22', '#393b79', '#ad494a', '#637939', '#7b4173', '#3182bd'];

  const state = {
    token: null,
    samples: [],         // as sent, oldest first, at most `capacity`
    events: [],          // as sent, oldest first
    lastSample: 0,
    lastEvent: 0,
    capacity: 300,
    interval: 1000,
    doc: null,           // the latest answer: the picture of now
    colors: new Map(),   // pid -> colour, kept while the page lives
    lastOk: 0,
    timer: null,
  };

  // ------------------------------------------------------------ DOM helpers

  function $(id) { return document.getElementById(id); }

  // el('td', {class: 'num'}, 'text', child...): attributes set one by one,
  // children appended as text nodes or elements.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    setAttrs(e, attrs);
    for (const c of children) append(e, c);
    return e;
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG, tag);
    setAttrs(e, attrs);
    for (const c of children) append(e, c);
    return e;
  }

  function setAttrs(e, attrs) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
  }

  function append(e, c) {
    if (c === undefined || c === null) return;
    e.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }

  function clear(e) {
    while (e.firstChild) e.removeChild(e.firstChild);
  }

  // ------------------------------------------------------------ formats

  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = Math.abs(n), u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    const s = u === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0);
    return (n < 0 ? '-' : '') + s + ' ' + units[u];
  }

  function count(n) {
    if (n === null || n === undefined) return '–';
    if (Math.abs(n) >= 100 || Number.isInteger(n)) return Math.round(n).toLocaleString('en');
    return n.toFixed(1);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return '–';
    const s = Math.round(seconds);
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm ' + (s % 60) + 's';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }

  function clock(t) {
    const d = new Date(t);
    return [d.getHours(), d.getMinutes(), d.getSeconds()].map((x) => String(x).padStart(2, '0')).join(':');
  }

  function growth(g) {
    if (g === null || g === undefined) return '–';
    return (g > 0 ? '+' : '') + bytes(g) + '/req';
  }

  // 1, 2, 5 x 10^k at or above v: round axis tops
  function niceCeil(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  // the same in binary units: up to 100 of a unit as above (20 MiB, 50 MiB),
  // past it powers of two, so ticks fall on 512 MiB, 1 GiB, 1.5 GiB rather
  // than on 1000 MiB, 1.46 GiB
  function niceCeilBytes(v) {
    if (v <= 0) return 1;
    const u = Math.pow(1024, Math.max(0, Math.floor(Math.log(v) / Math.log(1024))));
    const n = v / u;
    return (n > 100 ? Math.pow(2, Math.ceil(Math.log2(n))) : niceCeil(n)) * u;
  }

  function colorOf(pid) {
    if (!state.colors.has(pid)) state.colors.set(pid, PALETTE[state.colors.size % PALETTE.length]);
    return state.colors.get(pid);
  }

  // ------------------------------------------------------------ charts

  // A line chart over [t0, t1]. series: [{key, label, color, points: [[t, v]],
  // attrs}]; refs: horizontal lines [{value, label, color}]. Each series is
  // one <path class="series"> whose data-points counts the points drawn and
  // data-last holds the newest value.
  function lineChart(target, o) {
    clear(target);
    const W = Math.max(240, Math.round(target.getBoundingClientRect().width) || 600);
    const H = Math.max(100, Math.round(target.getBoundingClientRect().height) || 170);
    target.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const m = { l: 74, r: 12, t: 10, b: 22 };
    const fmt = o.format || count;
    let top = 0;
    for (const s of o.series) for (const p of s.points) if (p[1] !== null && p[0] >= o.t0) top = Math.max(top, p[1]);
    for (const r of o.refs || []) top = Math.max(top, r.value);
    // four steps of a round size
    top = 4 * (o.format === bytes ? niceCeilBytes : niceCeil)((top * 1.05) / 4);
    const span = Math.max(1, o.t1 - o.t0);
    const x = (t) => m.l + ((t - o.t0) / span) * (W - m.l - m.r);
    const y = (v) => H - m.b - (v / top) * (H - m.t - m.b);

    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4, yy = y(v).toFixed(1);
      target.appendChild(svg('line', { class: 'grid', x1: m.l, x2: W - m.r, y1: yy, y2: yy }));
      target.appendChild(svg('text', { class: 'axis', x: m.l - 6, y: Number(yy) + 4, 'text-anchor': 'end' }, fmt(v)));
    }
    for (let i = 0; i <= 4; i++) {
      const t = o.t0 + (span * i) / 4;
      target.appendChild(svg('text', {
        class: 'axis', x: x(t).toFixed(1), y: H - 6, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle',
      }, clock(t)));
    }
    for (const r of o.refs || []) {
      const yy = y(r.value).toFixed(1);
      target.appendChild(svg('line', { class: 'ref', x1: m.l, x2: W - m.r, y1: yy, y2: yy, stroke: r.color }));
      target.appendChild(svg('text', { class: 'ref-label', x: W - m.r - 4, y: Number(yy) - 4, 'text-anchor': 'end',
        fill: r.color }, r.label + ' ' + fmt(r.value)));
    }
    let drawn = 0;
    for (const s of o.series) {
      let d = '', n = 0, pen = false, last = null, lastXY = null;
      for (const [t, v] of s.points) {
        if (v === null || v === undefined || t < o.t0) { pen = false; continue; }
        const px = x(t).toFixed(1), py = y(v).toFixed(1);
        d += (pen ? 'L' : 'M') + px + ',' + py;
        pen = true;
        n++;
        last = v;
        lastXY = [px, py];
      }
      const path = svg('path', Object.assign({
        class: 'series', d: d || 'M0,0', stroke: s.color, 'data-key': s.key, 'data-points': n,
        'data-last': last === null ? '' : last,
      }, s.attrs || {}));
      path.appendChild(svg('title', {}, s.label));
      target.appendChild(path);
      if (lastXY) target.appendChild(svg('circle', { cx: lastXY[0], cy: lastXY[1], r: 2.5, fill: s.color }));
      drawn += n;
    }
    if (drawn === 0) {
      target.appendChild(svg('text', { class: 'empty', x: W / 2, y: H / 2, 'text-anchor': 'middle' },
        o.empty || 'no data yet'));
    }
  }

  function swatch(color) {
    return svg('svg', { class: 'swatch', viewBox: '0 0 12 12', 'aria-hidden': 'true' },
      svg('rect', { x: 1, y: 1, width: 10, height: 10, rx: 2, fill: color }));
  }

  function simpleLegend(target, series) {
    clear(target);
    for (const s of series) target.appendChild(el('li', { 'data-key': s.key }, swatch(s.color), s.label));
  }

  // A horizontal bar of parts [{value, cls}] out of total, with optional
  // markers [{value, title}] and a caption line.
  function meter(title, parts, total, caption, markers) {
    const box = el('div', { class: 'meter' });
    box.appendChild(el('div', {}, el('strong', {}, title)));
    const bar = svg('svg', { viewBox: '0 0 1000 14', preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
    let at = 0;
    const whole = Math.max(total, 1);
    for (const p of parts) {
      const w = Math.max(0, Math.min(1000 - at, (p.value / whole) * 1000));
      const r = svg('rect', { class: p.cls, x: at.toFixed(1), y: 0, width: w.toFixed(1), height: 14 });
      r.appendChild(svg('title', {}, p.title || ''));
      bar.appendChild(r);
      at += w;
    }
    if (at < 1000) bar.appendChild(svg('rect', { class: 'part-free', x: at.toFixed(1), y: 0, width: (1000 - at).toFixed(1), height: 14 }));
    for (const mk of markers || []) {
      const xx = Math.min(999, (mk.value / whole) * 1000).toFixed(1);
      const line = svg('line', { class: 'marker', x1: xx, x2: xx, y1: 0, y2: 14 });
      line.appendChild(svg('title', {}, mk.title));
      bar.appendChild(line);
    }
    box.appendChild(bar);
    box.appendChild(el('div', { class: 'caption muted' }, caption));
    return box;
  }

  // ------------------------------------------------------------ the parts

  // The last minutes, or since the first sample when keel is younger
  // (at least a minute, so the first seconds are not stretched).
  function windowRange() {
    const t1 = state.doc.now;
    const first = state.samples.length ? state.samples[0].t : t1;
    return [Math.max(t1 - state.capacity * state.interval, Math.min(first, t1 - 60000)), t1];
  }

  function renderSummary(t0, t1) {
    const d = state.doc;
    const last = state.samples[state.samples.length - 1];
    const rps = last && last.rps !== null ? count(last.rps) + ' req/s' : '';
    const gen = d.generation ? 'generation ' + d.generation + ' ' + d.state : d.state;
    $('summary').textContent = [gen, d.workers.length + ' workers', rps, 'keel ' + d.version].filter(Boolean).join(' · ');
    document.title = 'keel · ' + gen;
    $('window-label').textContent = 'the last ' + duration((t1 - t0) / 1000) + ' (keel keeps ' +
      duration((state.capacity * state.interval) / 1000) + '), one sample every ' + duration(state.interval / 1000);
  }

  function memorySeries() {
    const byPid = new Map();
    for (const s of state.samples) {
      for (const [pid, generation, mode, priv] of s.workers) {
        let x = byPid.get(pid);
        if (!x) {
          x = { pid, generation, mode, points: [] };
          byPid.set(pid, x);
        }
        x.points.push([s.t, priv]);
      }
    }
    return byPid;
  }

  function renderMemory(t0, t1) {
    const d = state.doc;
    const byPid = memorySeries();
    const live = new Map(d.workers.map((w) => [w.pid, w]));
    // live workers first, in /status's order, then the ones gone
    const order = d.workers.map((w) => w.pid).filter((p) => byPid.has(p));
    for (const p of byPid.keys()) if (!live.has(p)) order.push(p);
    const series = order.map((pid) => {
      const x = byPid.get(pid);
      return {
        key: 'pid-' + pid, label: 'pid ' + pid, color: colorOf(pid), points: x.points,
        attrs: { 'data-pid': pid, 'data-generation': x.generation, 'data-mode': x.mode, 'data-live': live.has(pid) ? 1 : 0 },
      };
    });
    lineChart($('memory-chart'), { series, t0, t1, format: bytes, empty: 'no worker has reported yet' });

    const legend = $('memory-legend');
    clear(legend);
    const gone = order.filter((p) => !live.has(p));
    const named = order.filter((p) => live.has(p)).concat(gone.slice(-SHOWN_GONE));
    for (const pid of named) {
      const x = byPid.get(pid), w = live.get(pid);
      const li = el('li', { 'data-pid': pid, class: w ? 'live' : 'gone' }, swatch(colorOf(pid)), el('strong', {}, 'pid ' + pid));
      const bits = [x.mode, 'gen ' + x.generation, bytes(x.points[x.points.length - 1][1])];
      if (w) {
        bits.push(growth(w.growth_bytes_per_request), 'age ' + duration(w.age_seconds));
      } else {
        bits.push('gone');
      }
      li.appendChild(el('span', { class: 'muted' }, bits.join(' · ')));
      legend.appendChild(li);
    }
    if (gone.length > SHOWN_GONE) {
      legend.appendChild(el('li', { class: 'gone' }, `and ${gone.length - SHOWN_GONE} more workers gone in this window`));
    }
    const left = state.samples.length ? state.samples[state.samples.length - 1].workers_left_out : 0;
    $('memory-note').textContent = left ? left + ' workers beyond what a sample holds are left out of the chart' : '';
  }

  function renderWorkers() {
    const body = $('workers').tBodies[0];
    clear(body);
    for (const w of state.doc.workers) {
      body.appendChild(el('tr', { 'data-pid': w.pid },
        el('td', {}, swatch(colorOf(w.pid)), ' ' + w.pid),
        el('td', {}, w.generation),
        el('td', {}, w.mode),
        el('td', {}, w.state),
        el('td', { class: 'num' }, count(w.requests)),
        el('td', { class: 'num' }, bytes(w.private_bytes)),
        el('td', { class: 'num' }, growth(w.growth_bytes_per_request)),
        el('td', { class: 'num' }, bytes(w.zend_peak_bytes)),
        el('td', { class: 'num' }, duration(w.age_seconds))));
    }
  }

  function renderRates(t0, t1) {
    const S = state.samples;
    lineChart($('rps-chart'), {
      t0, t1,
      series: [{ key: 'rps', label: 'PHP requests completed per second', color: '#1f4e79', points: S.map((s) => [s.t, s.rps]) }],
    });
    const queue = [
      { key: 'waiting-classic', label: 'waiting: classic', color: '#d62728', points: S.map((s) => [s.t, s.waiting.classic]) },
      { key: 'waiting-worker', label: 'waiting: worker mode', color: '#ff7f0e', points: S.map((s) => [s.t, s.waiting.worker]) },
      { key: 'in-flight', label: 'in flight', color: '#2ca02c', points: S.map((s) => [s.t, s.in_flight]) },
    ];
    lineChart($('queue-chart'), { t0, t1, series: queue });
    simpleLegend($('queue-legend'), queue);
  }

  function renderMemoryLimit(t0, t1) {
    const m = state.doc.memory || {};
    const cgroup = m.limit_source && !/^physical/.test(m.limit_source);
    const refs = [];
    if (m.budget) refs.push({ value: m.budget.needed_bytes, label: 'budget', color: '#c77c02' });
    if (cgroup && m.limit_bytes) refs.push({ value: m.limit_bytes, label: 'limit', color: '#c0392b' });
    lineChart($('container-chart'), {
      t0, t1, format: bytes, refs,
      series: [{ key: 'memory', label: 'in use', color: '#1f4e79', points: state.samples.map((s) => [s.t, s.memory_bytes]) }],
    });
    const box = $('budget');
    clear(box);
    const limit = m.limit_bytes || 0, used = m.current_bytes || 0, need = m.budget ? m.budget.needed_bytes : 0;
    const total = limit || Math.max(used, need, 1);
    const cap = [`in use ${bytes(used)}`];
    if (m.budget) {
      cap.push(`budget ${bytes(need)} (${m.budget.fits ? 'fits' : 'does not fit'}` +
        (m.budget.max_workers !== null ? `, room for ${m.budget.max_workers} workers)` : ')'));
    }
    cap.push(limit ? `limit ${bytes(limit)} (${m.limit_source})` : 'no limit');
    box.appendChild(meter('memory in use, budget (marker), limit (whole bar)',
      [{ value: used, cls: used > limit && limit ? 'part-over' : 'part-used', title: 'in use' }], total, cap.join(' · '),
      m.budget ? [{ value: need, title: 'budget ' + bytes(need) }] : []));
    if (m.pressure) {
      const p = m.pressure;
      box.appendChild(el('div', { class: p.level === 'none' ? '' : 'bad' },
        `memory pressure: ${p.level} · working set ${bytes(p.working_set_bytes)} of ${bytes(p.limit_bytes)} (${p.percent.toFixed(1)}%)`));
    }
    box.appendChild(el('div', { class: 'muted' }, `OOM kills: ${m.oom_kills || 0} · requests shed: ${m.shed_requests || 0}`));
  }

  function renderTmpfs(t0, t1) {
    const S = state.samples;
    const series = [
      { key: 'tmpfs', label: 'used on memory-backed mounts', color: '#9467bd', points: S.map((s) => [s.t, s.tmpfs_bytes]) },
      { key: 'shmem', label: 'shared memory (cgroup)', color: '#17becf', points: S.map((s) => [s.t, s.shmem_bytes]) },
    ];
    lineChart($('tmpfs-chart'), { t0, t1, series, format: bytes });
    simpleLegend($('tmpfs-legend'), series);
    const body = $('tmpfs').tBodies[0];
    clear(body);
    for (const mt of state.doc.tmpfs) {
      let grew = '–';
      if (mt.last_growth) {
        const g = mt.last_growth;
        grew = `+${bytes(g.bytes)} over ${duration(g.over_seconds)}, ${duration(g.seconds_ago)} ago` +
          (g.grew_most.length ? ': ' + g.grew_most.map((x) => `${x.path} +${bytes(x.grew_bytes)}`).join(', ') : '');
      }
      body.appendChild(el('tr', {},
        el('td', { class: 'wrap' }, mt.path + (mt.php_dir ? ' (PHP writes here)' : '')),
        el('td', {}, mt.fstype),
        el('td', { class: 'num' }, bytes(mt.used_bytes)),
        el('td', { class: 'wrap' }, grew)));
    }
    const sh = (state.doc.memory || {}).shmem;
    if (sh) {
      body.appendChild(el('tr', {}, el('td', { class: 'wrap' }, 'shared memory: ' + sh.source), el('td', {}, ''),
        el('td', { class: 'num' }, bytes(sh.total_bytes)),
        el('td', { class: 'wrap' }, `OPcache ${bytes(sh.opcache_bytes)} · keel ${bytes(sh.keel_bytes)} · files ${bytes(sh.files_bytes)}`)));
    }
  }

  function renderOpcache() {
    const box = $('opcache');
    clear(box);
    const o = state.doc.opcache;
    if (!o) {
      box.appendChild(el('p', { class: 'muted' }, 'OPcache is off, or no worker has reported its figures yet.'));
      return;
    }
    const total = o.used_bytes + o.free_bytes + o.wasted_bytes;
    box.appendChild(meter('memory', [
      { value: o.used_bytes, cls: 'part-used', title: 'used' },
      { value: o.wasted_bytes, cls: 'part-wasted', title: 'wasted' },
    ], total, `${bytes(o.used_bytes)} used · ${bytes(o.wasted_bytes)} wasted · ${bytes(o.free_bytes)} free of ${bytes(total)}`));
    const it = o.interned_used_bytes + o.interned_free_bytes;
    box.appendChild(meter('interned strings', [{ value: o.interned_used_bytes, cls: 'part-used', title: 'used' }], it,
      `${bytes(o.interned_used_bytes)} used of ${bytes(it)}`));
    box.appendChild(meter('cached keys', [{ value: o.cached_keys, cls: 'part-used', title: 'cached' }], o.max_cached_keys,
      `${count(o.cached_keys)} of ${count(o.max_cached_keys)} (max_accelerated_files)`));
    const asked = o.hits + o.misses;
    box.appendChild(el('div', { class: 'muted' },
      `hits ${asked ? ((100 * o.hits) / asked).toFixed(1) + '%' : '–'} · restarts ${o.restarts} · generations swapped for OPcache ${state.doc.opcache_swaps}`));
  }

  function renderPools() {
    const body = $('pools').tBodies[0];
    clear(body);
    for (const p of state.doc.pools) {
      const change = p.last_change ? `${p.last_change.what} (${duration(p.last_change.seconds_ago)} ago)` : '–';
      body.appendChild(el('tr', {},
        el('td', {}, p.generation), el('td', {}, p.mode), el('td', { class: 'num' }, p.size),
        el('td', { class: 'num' }, p.min + '–' + p.max), el('td', { class: 'num' }, p.starting),
        el('td', { class: 'num' }, p.idle), el('td', { class: 'num' }, p.busy), el('td', { class: 'wrap' }, change)));
    }
  }

  // Each generation as a row: starting (grey), serving (green), draining
  // (amber), from its events; failures and refusals as red marks.
  function renderTimeline(t0, t1) {
    const target = $('timeline');
    clear(target);
    const W = Math.max(240, Math.round(target.getBoundingClientRect().width) || 600);
    const rows = new Map();
    const row = (n) => {
      if (!rows.has(n)) rows.set(n, { phases: [], marks: [], phase: null, since: null });
      return rows.get(n);
    };
    const live = new Map(state.doc.generations.map((g) => [g.number, g]));
    const stateName = { starting: 'starting', active: 'serving', draining: 'draining', stopping: 'draining' };
    for (const e of state.events) {
      if (e.kind !== 'generation' || e.generation === null) continue;
      const r = row(e.generation);
      const end = () => {
        if (r.phase) r.phases.push([r.phase, r.since, e.t]);
        r.phase = null;
      };
      if (e.what === 'starting' || e.what === 'serving' || e.what === 'draining') {
        end();
        r.phase = e.what;
        r.since = e.t;
      } else if (e.what === 'gone') {
        end();
      } else {
        end();
        r.marks.push(e);
      }
    }
    for (const [n, g] of live) {
      const r = row(n);
      if (!r.phase && !r.phases.length && stateName[g.state]) {
        r.phase = stateName[g.state]; // older than the events held
        r.since = t0;
      }
    }
    for (const r of rows.values()) if (r.phase) r.phases.push([r.phase, r.since, t1]);
    const numbers = [...rows.keys()].filter((n) => {
      const r = rows.get(n);
      return r.marks.some((m) => m.t >= t0) || r.phases.some((p) => p[2] >= t0);
    }).sort((a, b) => a - b).slice(-8);
    const rowH = 22, m = { l: 74, r: 12, t: 6, b: 22 };
    const H = m.t + m.b + Math.max(1, numbers.length) * rowH;
    target.setAttribute('viewBox', `0 0 ${W} ${H}`);
    target.setAttribute('height', H);
    const span = Math.max(1, t1 - t0);
    const x = (t) => m.l + ((Math.max(t, t0) - t0) / span) * (W - m.l - m.r);
    for (let i = 0; i <= 4; i++) {
      const t = t0 + (span * i) / 4;
      target.appendChild(svg('text', { class: 'axis', x: x(t).toFixed(1), y: H - 6,
        'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, clock(t)));
    }
    if (!numbers.length) {
      target.appendChild(svg('text', { class: 'empty', x: W / 2, y: m.t + rowH / 2 + 4, 'text-anchor': 'middle' }, 'no generation in this window'));
    }
    numbers.forEach((n, i) => {
      const r = rows.get(n), top = m.t + i * rowH;
      target.appendChild(svg('text', { class: 'row-label', x: m.l - 6, y: top + 15, 'text-anchor': 'end' }, 'gen ' + n));
      for (const [phase, from, to] of r.phases) {
        if (to < t0) continue;
        const rect = svg('rect', {
          class: 'phase-' + phase, x: x(from).toFixed(1), y: top + 3, height: rowH - 6,
          width: Math.max(2, x(to) - x(from)).toFixed(1), 'data-generation': n, 'data-phase': phase,
        });
        rect.appendChild(svg('title', {}, `generation ${n} ${phase} from ${clock(from)}`));
        target.appendChild(rect);
      }
      for (const mk of r.marks) {
        if (mk.t < t0) continue;
        const cx = x(mk.t);
        const mark = svg('path', {
          class: 'mark-bad', d: `M${cx.toFixed(1)},${top + 2}l6,9l-6,9l-6,-9z`, 'data-generation': n, 'data-what': mk.what,
        });
        mark.appendChild(svg('title', {}, mk.text));
        target.appendChild(mark);
      }
    });
    const legend = $('timeline-legend');
    if (!legend.firstChild) {
      for (const [cls, label] of [['#9aa7b4', 'starting'], ['#2e8b57', 'serving'], ['#c77c02', 'draining'], ['#c0392b', 'failed, refused or died']]) {
        legend.appendChild(el('li', {}, swatch(cls), label));
      }
    }
  }

  function renderRecycles() {
    const d = state.doc;
    const body = $('recycles').tBodies[0];
    clear(body);
    const seen = {};
    for (const e of state.events) {
      const k = e.kind === 'recycle' ? 'recycle: ' + e.what : e.kind;
      seen[k] = (seen[k] || 0) + 1;
    }
    const rows = Object.entries(d.recycles).map(([reason, n]) => ['recycled: ' + reason, n, seen['recycle: ' + reason] || 0]);
    rows.push(['crashed (killed by a signal)', d.worker_crashes, seen.crash || 0]);
    rows.push(['ended past --request-timeout', null, seen.timeout || 0]);
    rows.push(['reloads ok / failed', `${d.reloads.ok} / ${d.reloads.failed}`, null]);
    for (const [what, total, recent] of rows) {
      body.appendChild(el('tr', { 'data-what': what }, el('td', {}, what), el('td', { class: 'num' }, total === null ? '–' : total),
        el('td', { class: 'num' }, recent === null ? '–' : recent)));
    }
  }

  function renderEvents() {
    const list = $('events');
    clear(list);
    const shown = state.events.slice(-SHOWN_EVENTS).reverse();
    if (!shown.length) list.appendChild(el('li', { class: 'muted' }, 'nothing yet'));
    for (const e of shown) {
      const who = [e.generation !== null ? 'gen ' + e.generation : null, e.pid !== null ? 'pid ' + e.pid : null].filter(Boolean);
      list.appendChild(el('li', { 'data-kind': e.kind, 'data-seq': e.seq },
        el('span', { class: 'when' }, clock(e.t)),
        el('span', { class: 'kind kind-' + e.kind }, e.kind + (e.what ? ': ' + e.what : '')),
        el('span', { class: 'text' }, e.text + (who.length ? ' (' + who.join(', ') + ')' : ''))));
    }
  }

  function render() {
    if (!state.doc) return;
    const [t0, t1] = windowRange();
    renderSummary(t0, t1);
    renderMemory(t0, t1);
    renderWorkers();
    renderRates(t0, t1);
    renderMemoryLimit(t0, t1);
    renderTmpfs(t0, t1);
    renderOpcache();
    renderPools();
    renderTimeline(t0, t1);
    renderRecycles();
    renderEvents();
  }

  // ------------------------------------------------------------ data

  function reset() {
    state.samples = [];
    state.events = [];
    state.lastSample = 0;
    state.lastEvent = 0;
  }

  // Returns false when keel was restarted (its sequence numbers went back):
  // the caller asks again from the start.
  function merge(doc) {
    const s = doc.samples, ev = doc.events;
    if (s.last < state.lastSample || ev.last < state.lastEvent) {
      reset();
      return false;
    }
    for (const item of s.items) if (item.seq > state.lastSample) state.samples.push(item);
    state.lastSample = s.last;
    state.capacity = s.capacity || state.capacity;
    state.interval = s.interval_ms || state.interval;
    while (state.samples.length && (state.samples.length > state.capacity || state.samples[0].seq < s.first)) state.samples.shift();
    for (const e of ev.items) if (e.seq > state.lastEvent) state.events.push(e);
    state.lastEvent = ev.last;
    if (state.events.length > MAX_EVENTS) state.events.splice(0, state.events.length - MAX_EVENTS);
    state.doc = doc;
    return true;
  }

  function setStatus(text, bad) {
    const u = $('updated');
    u.textContent = text;
    u.className = bad ? 'stale' : 'muted';
  }

  function schedule(ms) {
    clearTimeout(state.timer);
    state.timer = setTimeout(poll, ms === undefined ? state.interval : ms);
  }

  async function poll() {
    const url = `dashboard.json?samples_after=${state.lastSample}&events_after=${state.lastEvent}`;
    const headers = state.token ? { Authorization: 'Bearer ' + state.token } : {};
    let res, doc;
    try {
      res = await fetch(url, { headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
      if (res.status === 401) {
        askToken(state.token ? 'This keel refused that token.' : 'This keel asks for the token of --admin-token.');
        return;
      }
      if (!res.ok) throw new Error('HTTP ' + res.status);
      doc = await res.json();
    } catch (e) {
      setStatus(`no answer since ${state.lastOk ? clock(state.lastOk) : 'the page opened'} (${e.message})`, true);
      schedule(Math.max(state.interval, 2000));
      return;
    }
    if (!merge(doc)) {
      schedule(0);
      return;
    }
    state.lastOk = Date.now();
    $('auth').hidden = true;
    $('main').hidden = false;
    render();
    setStatus('updated ' + clock(doc.now), false);
    schedule();
  }

  function askToken(why) {
    $('auth-why').textContent = why;
    $('auth').hidden = false;
    $('main').hidden = true;
    $('summary').textContent = 'token needed';
    $('auth-token').focus();
  }

  // The token arrives in the fragment (#token=...), which a browser never
  // sends to a server nor in a Referer, and is taken out of the address
  // bar and the history at once; it stays in this tab's session storage.
  function takeToken() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    const t = params.get('token');
    if (t !== null) {
      history.replaceState(null, '', location.pathname + location.search);
      try { sessionStorage.setItem(TOKEN_KEY, t); } catch (e) { /* private mode: this page load only */ }
      return t;
    }
    try { return sessionStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
  }

  function start() {
    state.token = takeToken();
    $('auth-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      state.token = $('auth-token').value.trim();
      $('auth-token').value = '';
      try { sessionStorage.setItem(TOKEN_KEY, state.token); } catch (e) { /* this page load only */ }
      reset();
      schedule(0);
    });
    // a token pasted into the address bar of the open page
    window.addEventListener('hashchange', () => {
      const t = takeToken();
      if (t === null) return;
      state.token = t;
      reset();
      schedule(0);
    });
    let resizing = null;
    window.addEventListener('resize', () => {
      clearTimeout(resizing);
      resizing = setTimeout(render, 150);
    });
    poll();
  }

  start();
})();
