// deepmultinet live dashboard. Receives the run over Server-Sent Events (/events) and draws
// every panel by hand on canvas: no framework, nothing loaded from elsewhere.
//
// The stream starts with `reset`, a replay of the run so far and `synced`; then live events.
// Numbers shown as text (epoch, accuracies) are also set as attributes on <body>
// (data-epoch, data-train-accuracy, data-validation-accuracy, data-samples-shown, ...).
'use strict';
(function () {
  var MAX_POINTS = 4000;
  var COLORS = { ink: '#1d2330', muted: '#6b7280', grid: '#e6e8ee', axis: '#9aa1ad',
    blue: '#2563eb', orange: '#ea580c', soft: '#93a4c3', green: '#16a34a', red: '#dc2626' };
  var S = fresh();
  var syncing = false;
  var ended = false;
  var dirty = {};
  var pending = false;
  var source = null;

  function fresh() {
    return { title: null, start: null, batches: [], epochs: [], units: null, vconf: null,
      sample: null, finished: null };
  }

  function $(id) { return document.getElementById(id); }
  function setText(id, text) {
    var e = $(id);
    if (e && e.textContent !== text) { e.textContent = text; }
  }
  function num(v) { return typeof v === 'number' && isFinite(v); }
  function fixed(v, d) { return num(v) ? v.toFixed(d) : '–'; }
  function percent(v) { return num(v) ? (100 * v).toFixed(2) + ' %' : '–'; }
  function human(v) {
    if (!num(v)) { return '–'; }
    if (v === 0) { return '0'; }
    if (Math.abs(v) >= 1e6) { return (v / 1e6).toFixed(2) + ' M'; }
    if (Math.abs(v) >= 1e4) { return (v / 1e3).toFixed(1) + ' k'; }
    return v.toFixed(v >= 100 ? 0 : 2);
  }
  function last(a) { return a.length ? a[a.length - 1] : null; }
  function setData(name, value) { document.body.setAttribute('data-' + name, String(value)); }

  function status(s) {
    setData('status', s);
    var words = { live: 'live', reconnecting: 'reconnecting…', finished: 'finished',
      connecting: 'connecting…' };
    setText('status', words[s] || s);
  }

  function connect() {
    source = new EventSource('events');
    source.onopen = function () { if (!ended) { status('live'); } };
    source.onerror = function () { if (!ended) { status('reconnecting'); } };
    ['reset', 'synced', 'config', 'start', 'batch', 'epoch', 'units', 'confusion', 'sample',
      'finished', 'end'].forEach(function (kind) {
      source.addEventListener(kind, function (e) { handle(kind, e.data); });
    });
  }

  function thinPush(list, item) {
    if (list.length >= MAX_POINTS) {
      var kept = [];
      for (var i = 1; i < list.length; i += 2) { kept.push(list[i]); }
      list.length = 0;
      Array.prototype.push.apply(list, kept);
    }
    list.push(item);
  }

  function mark() {
    for (var i = 0; i < arguments.length; i++) { dirty[arguments[i]] = true; }
  }

  function handle(kind, text) {
    var d;
    try { d = JSON.parse(text); } catch (err) { return; }
    switch (kind) {
      case 'reset': S = fresh(); syncing = true; return;
      case 'synced': syncing = false; updateText(); drawAll(); return;
      case 'config':
        S.title = d.title;
        document.title = d.title + ' · live';
        setText('title', d.title);
        return;
      case 'start':
        S.start = d; S.batches = []; S.epochs = []; S.units = null; S.vconf = null;
        S.finished = null;
        mark('cost', 'acc', 'time', 'units', 'vconf');
        break;
      case 'batch': thinPush(S.batches, d); mark('cost'); break;
      case 'epoch':
        while (S.epochs.length && last(S.epochs).epoch >= d.epoch) { S.epochs.pop(); }
        S.epochs.push(d);
        mark('cost', 'acc', 'time');
        break;
      case 'units': S.units = d; mark('units'); break;
      case 'confusion': S.vconf = d; mark('vconf'); break;
      case 'sample':
        S.sample = d;
        mark('input', 'probs', 'net', 'conf', 'layers', 'hist', 'recent');
        break;
      case 'finished': S.finished = d; break;
      case 'end':
        ended = true;
        if (source) { source.close(); }
        status('finished');
        break;
      default: return;
    }
    if (!syncing) { updateText(); schedule(); }
  }

  // ---- text -------------------------------------------------------------------------

  function updateText() {
    var e = last(S.epochs);
    var b = last(S.batches);
    var planned = S.start ? S.start.epochs : (S.finished ? S.finished.epochs : 0);
    var running = b && (!e || b.epoch > e.epoch);
    setText('epoch', e ? String(e.epoch) : '–');
    setText('epochs', planned ? String(planned) : '–');
    setData('epoch', e ? e.epoch : 0);
    setData('epochs', planned);
    setText('cost', fixed(running ? b.cost : (e ? e.cost : null), 4));
    setText('train-acc', percent(e ? e.train_accuracy : null));
    setText('val-acc', percent(e ? e.validation_accuracy : null));
    setData('train-accuracy', e && num(e.train_accuracy) ? e.train_accuracy : '');
    setData('validation-accuracy', e && num(e.validation_accuracy) ? e.validation_accuracy : '');
    setText('rate', human(running ? b.samples_per_second : (e ? e.samples_per_second : null)));
    setText('step', b ? String(b.step) : '–');
    if (S.finished) { setData('stop', S.finished.stop); }
    var s = S.sample;
    if (s) {
      setData('samples-shown', s.shown);
      setData('samples-accuracy', s.accuracy);
      setText('sample-note', 'sample ' + s.shown + ': true ' + s.classes[s.label] +
        ' → predicted ' + s.classes[s.predicted] + ' (' + percent(s.confidence) + ') · ' +
        percent(s.accuracy) + ' of ' + s.shown + ' right');
    }
  }

  // ---- drawing helpers --------------------------------------------------------------

  function schedule() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      var d = dirty;
      dirty = {};
      Object.keys(d).forEach(function (k) { PANELS[k](); });
    });
  }

  function drawAll() {
    dirty = {};
    Object.keys(PANELS).forEach(function (k) { PANELS[k](); });
  }

  function surface(id) {
    var c = $(id);
    var dpr = window.devicePixelRatio || 1;
    var w = c.clientWidth || 300;
    var h = c.clientHeight || 200;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    var g = c.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    g.font = '11px system-ui, sans-serif';
    g.textBaseline = 'middle';
    g.lineJoin = 'round';
    return { g: g, w: w, h: h };
  }

  function empty(s, text) {
    s.g.fillStyle = COLORS.axis;
    s.g.textAlign = 'center';
    s.g.font = '12px system-ui, sans-serif';
    s.g.fillText(text, s.w / 2, s.h / 2);
  }

  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    var raw = (hi - lo) / n;
    var step = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10));
    var r = raw / step;
    if (r >= 7.5) { step *= 10; } else if (r >= 3.5) { step *= 5; } else if (r >= 1.5) { step *= 2; }
    var out = [];
    for (var v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
      out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    }
    return out;
  }

  function tickText(v) {
    if (Math.abs(v) >= 1e6) { return String(Math.round(v / 1e5) / 10) + 'M'; }
    if (Math.abs(v) >= 1000) { return String(Math.round(v / 100) / 10) + 'k'; }
    return String(Math.round(v * 1000) / 1000);
  }

  function range(values, pad) {
    var lo = Infinity;
    var hi = -Infinity;
    values.forEach(function (v) {
      if (num(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    });
    if (lo > hi) { return [0, 1]; }
    if (lo === hi) { return [lo - 0.5, hi + 0.5]; }
    var p = (hi - lo) * (pad || 0);
    return [lo - p, hi + p];
  }

  // Axes with grid lines; returns the maps from data to pixels.
  function frame(s, xr, yr, opt) {
    opt = opt || {};
    var box = { l: opt.left || 42, r: s.w - (opt.right || 10), t: opt.top || 8,
      b: s.h - (opt.bottom || (opt.xlabel ? 32 : 20)) };
    var x = function (v) { return box.l + (v - xr[0]) / (xr[1] - xr[0] || 1) * (box.r - box.l); };
    var y = function (v) { return box.b - (v - yr[0]) / (yr[1] - yr[0] || 1) * (box.b - box.t); };
    var g = s.g;
    g.lineWidth = 1;
    g.fillStyle = COLORS.muted;
    g.textAlign = 'right';
    niceTicks(yr[0], yr[1], opt.yticks || 4).forEach(function (v) {
      if (v < yr[0] - 1e-12 || v > yr[1] + 1e-12) { return; }
      g.strokeStyle = COLORS.grid;
      g.beginPath(); g.moveTo(box.l, y(v)); g.lineTo(box.r, y(v)); g.stroke();
      g.fillText(opt.yfmt ? opt.yfmt(v) : tickText(v), box.l - 4, y(v));
    });
    g.textAlign = 'center';
    if (!opt.noxticks) {
      niceTicks(xr[0], xr[1], opt.xticks || 5).forEach(function (v) {
        if (v < xr[0] - 1e-12 || v > xr[1] + 1e-12) { return; }
        if (opt.xint && Math.round(v) !== v) { return; }
        g.fillText(opt.xfmt ? opt.xfmt(v) : tickText(v), x(v), box.b + 9);
      });
    }
    g.strokeStyle = COLORS.axis;
    g.beginPath(); g.moveTo(box.l, box.t); g.lineTo(box.l, box.b); g.lineTo(box.r, box.b);
    g.stroke();
    if (opt.xlabel) {
      g.textAlign = 'center';
      g.fillText(opt.xlabel, (box.l + box.r) / 2, box.b + 22);
    }
    return { x: x, y: y, box: box };
  }

  function polyline(g, f, pts, color, width) {
    g.strokeStyle = color;
    g.lineWidth = width;
    g.beginPath();
    var started = false;
    pts.forEach(function (p) {
      if (!num(p[1])) { started = false; return; }
      if (started) { g.lineTo(f.x(p[0]), f.y(p[1])); } else { g.moveTo(f.x(p[0]), f.y(p[1])); }
      started = true;
    });
    g.stroke();
  }

  function dots(g, f, pts, color, r) {
    g.fillStyle = color;
    pts.forEach(function (p) {
      if (!num(p[1])) { return; }
      g.beginPath(); g.arc(f.x(p[0]), f.y(p[1]), r, 0, 2 * Math.PI); g.fill();
    });
  }

  function legend(s, items, x, y) {
    var g = s.g;
    g.textAlign = 'left';
    items.forEach(function (it) {
      g.fillStyle = it[1];
      g.fillRect(x, y - 4, 10, 8);
      g.fillStyle = COLORS.ink;
      g.fillText(it[0], x + 14, y);
      x += 22 + g.measureText(it[0]).width;
    });
  }

  function decode(b64) {
    var bin = window.atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  function short(name, n) { return name.length > n ? name.slice(0, n - 1) + '…' : name; }

  // ---- training panels --------------------------------------------------------------

  function drawCost() {
    var s = surface('c-cost');
    if (!S.batches.length && !S.epochs.length) { return empty(s, 'waiting for training…'); }
    var bpe = S.start ? S.start.batches_per_epoch : 0;
    var pts = S.batches.map(function (b) { return [b.step, b.cost]; });
    var eps = S.epochs.map(function (e) { return [bpe ? e.epoch * bpe : e.epoch, e.cost]; });
    var xs = pts.concat(eps).map(function (p) { return p[0]; });
    var ys = pts.concat(eps).map(function (p) { return p[1]; });
    var yr = range(ys, 0.05);
    yr[0] = Math.max(0, Math.min(yr[0], 0));
    var f = frame(s, [0, Math.max(1, range(xs)[1])], yr,
      { xlabel: bpe ? 'optimiser step' : 'epoch', xticks: 4 });
    polyline(s.g, f, pts, COLORS.soft, 1.2);
    polyline(s.g, f, eps, COLORS.blue, 1.6);
    dots(s.g, f, eps, COLORS.blue, 3);
    legend(s, [['batch', COLORS.soft], ['epoch', COLORS.blue]], f.box.r - 110, f.box.t + 6);
  }

  function drawAccuracy() {
    var s = surface('c-acc');
    var e = S.epochs.filter(function (r) { return num(r.train_accuracy) || num(r.validation_accuracy); });
    if (!e.length) { return empty(s, S.epochs.length ? 'no accuracy (dense targets)' : 'waiting for the first epoch…'); }
    var tr = e.map(function (r) { return [r.epoch, r.train_accuracy]; });
    var va = e.map(function (r) { return [r.epoch, r.validation_accuracy]; });
    var lo = range(tr.concat(va).map(function (p) { return p[1]; }))[0];
    var planned = S.start ? S.start.epochs : 0;
    var xmax = Math.max(last(e).epoch, Math.min(planned, last(e).epoch * 2), 2);
    var f = frame(s, [1, xmax], [Math.max(0, Math.floor(lo * 10 - 0.5) / 10), 1],
      { xlabel: 'epoch', xint: true, xticks: Math.min(5, xmax - 1),
        yfmt: function (v) { return Math.round(v * 100) + '%'; } });
    polyline(s.g, f, tr, COLORS.blue, 1.6); dots(s.g, f, tr, COLORS.blue, 3);
    polyline(s.g, f, va, COLORS.orange, 1.6); dots(s.g, f, va, COLORS.orange, 3);
    legend(s, [['training', COLORS.blue], ['validation', COLORS.orange]], f.box.l + 8, f.box.t + 6);
  }

  function drawTime() {
    var s = surface('c-time');
    if (!S.epochs.length) { return empty(s, 'waiting for the first epoch…'); }
    var e = S.epochs;
    var total = e.map(function (r) { return r.train_seconds + r.eval_seconds; });
    var rates = e.map(function (r) { return r.samples_per_second; });
    var f = frame(s, [0.5, e.length + 0.5], [0, range(total)[1] * 1.15],
      { right: 44, top: 20, xlabel: 'epoch', xint: true, xticks: Math.min(6, e.length),
        xfmt: function (v) { return v >= 1 && Math.round(v) === v ? e[v - 1].epoch : ''; },
        yfmt: function (v) { return tickText(v) + 's'; } });
    var g = s.g;
    var bw = Math.max(1, (f.box.r - f.box.l) / e.length * 0.7);
    e.forEach(function (r, i) {
      var x = f.x(i + 1) - bw / 2;
      g.fillStyle = COLORS.blue;
      g.fillRect(x, f.y(r.train_seconds), bw, f.y(0) - f.y(r.train_seconds));
      g.fillStyle = '#bfd0f5';
      g.fillRect(x, f.y(r.train_seconds + r.eval_seconds), bw, f.y(r.train_seconds) - f.y(r.train_seconds + r.eval_seconds));
    });
    var rr = [0, range(rates)[1] * 1.15];
    var fr = { x: f.x, y: function (v) { return f.box.b - v / (rr[1] || 1) * (f.box.b - f.box.t); } };
    var pts = rates.map(function (v, i) { return [i + 1, v]; });
    polyline(g, fr, pts, COLORS.orange, 1.6); dots(g, fr, pts, COLORS.orange, 3);
    g.fillStyle = COLORS.orange; g.textAlign = 'left';
    niceTicks(0, rr[1], 4).forEach(function (v) { g.fillText(human(v), f.box.r + 4, fr.y(v)); });
    legend(s, [['train', COLORS.blue], ['eval', '#bfd0f5'], ['samples/s', COLORS.orange]], f.box.l + 2, 7);
    var l = last(e);
    setText('time-note', fixed(l.train_seconds + l.eval_seconds, 2) + ' s · ' + human(l.samples_per_second) + ' samples/s');
  }

  function drawUnits() {
    var s = surface('c-units');
    var u = S.units;
    if (!u) { return empty(s, 'waiting for the first epoch…'); }
    var data = decode(u.data);
    var n = u.count;
    var gap = 1;
    // The grid whose tiles come out largest.
    var cols = 1;
    var best = 0;
    for (var c0 = 1; c0 <= n; c0++) {
      var r0 = Math.ceil(n / c0);
      var sc = Math.min(s.w / (c0 * (u.width + gap)), s.h / (r0 * (u.height + gap)));
      if (sc > best + 1e-9) { best = sc; cols = c0; }
    }
    var rows = Math.ceil(n / cols);
    var off = document.createElement('canvas');
    off.width = cols * (u.width + gap);
    off.height = rows * (u.height + gap);
    var og = off.getContext('2d');
    var img = og.createImageData(off.width, off.height);
    for (var k = 0; k < n; k++) {
      var ox = (k % cols) * (u.width + gap);
      var oy = Math.floor(k / cols) * (u.height + gap);
      for (var r = 0; r < u.height; r++) {
        for (var c = 0; c < u.width; c++) {
          var b = data[k * u.width * u.height + r * u.width + c];
          var v = (b > 127 ? b - 256 : b) / 127;
          var p = ((oy + r) * off.width + ox + c) * 4;
          // Diverging: negative red, 0 white, positive blue.
          img.data[p] = v > 0 ? 255 * (1 - v) : 255;
          img.data[p + 1] = 255 * (1 - Math.abs(v));
          img.data[p + 2] = v < 0 ? 255 * (1 + v) : 255;
          img.data[p + 3] = 255;
        }
      }
    }
    og.putImageData(img, 0, 0);
    var scale = Math.min(s.w / off.width, s.h / off.height);
    s.g.imageSmoothingEnabled = false;
    s.g.drawImage(off, (s.w - off.width * scale) / 2, (s.h - off.height * scale) / 2,
      off.width * scale, off.height * scale);
    setText('units-note', n + ' of ' + u.units + ' · epoch ' + u.epoch);
  }

  function drawConfusion(id, classes, counts, noteId, note, foot) {
    var s = surface(id);
    if (!classes) { return empty(s, 'waiting…'); }
    var k = classes.length;
    var g = s.g;
    var names = classes.map(function (c) { return short(c, 11); });
    var left = 8 + Math.min(80, Math.max.apply(null, names.map(function (c) { return g.measureText(c).width; })));
    var top = 14;
    var cell = Math.max(2, Math.min((s.w - left - 6) / k, (s.h - top - 16) / k));
    var x0 = left + (s.w - left - cell * k) / 2;
    for (var t = 0; t < k; t++) {
      var row = 0;
      for (var q = 0; q < k; q++) { row += counts[t * k + q]; }
      for (var p = 0; p < k; p++) {
        var n = counts[t * k + p];
        var v = row ? n / row : 0;
        g.fillStyle = t === p ? 'rgba(22,163,74,' + (0.08 + 0.85 * v) + ')' : 'rgba(220,38,38,' + (v > 0 ? 0.1 + 0.85 * v : 0) + ')';
        g.fillRect(x0 + p * cell, top + t * cell, cell - 1, cell - 1);
        if (cell >= 16 && n > 0) {
          g.fillStyle = v > 0.55 ? '#fff' : COLORS.ink;
          g.textAlign = 'center';
          g.font = Math.min(11, Math.floor(cell * 0.36)) + 'px system-ui, sans-serif';
          g.fillText(n >= 1000 ? (n / 1000).toFixed(1) + 'k' : String(n), x0 + p * cell + cell / 2, top + t * cell + cell / 2);
        }
      }
    }
    g.font = '10px system-ui, sans-serif';
    g.fillStyle = COLORS.muted;
    g.textAlign = 'right';
    names.forEach(function (c, i) { g.fillText(c, x0 - 4, top + i * cell + cell / 2); });
    g.textAlign = 'center';
    for (var j = 0; j < k; j++) { g.fillText(String(j), x0 + j * cell + cell / 2, top - 7); }
    g.fillText((foot ? foot + ' · rows: true · cols: predicted' : 'rows: true · columns: predicted'),
      x0 + cell * k / 2, top + cell * k + 9);
    setText(noteId, note);
  }

  function drawValidationConfusion() {
    var c = S.vconf;
    if (!c) { return empty(surface('c-vconf'), S.epochs.length ? 'no validation set given' : 'waiting for the first epoch…'); }
    drawConfusion('c-vconf', c.classes, c.counts, 'vconf-note', percent(c.accuracy),
      'epoch ' + c.epoch);
  }

  // ---- classification panels --------------------------------------------------------

  function noSample(id) { empty(surface(id), 'no sample classified yet'); }

  function drawInput() {
    var d = S.sample;
    if (!d) { return noSample('c-input'); }
    var s = surface('c-input');
    var g = s.g;
    var textH = 40;
    if (d.image) {
      var px = decode(d.image.data);
      var off = document.createElement('canvas');
      off.width = d.image.width; off.height = d.image.height;
      var og = off.getContext('2d');
      var img = og.createImageData(off.width, off.height);
      for (var i = 0; i < px.length; i++) {
        img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = px[i];
        img.data[4 * i + 3] = 255;
      }
      og.putImageData(img, 0, 0);
      var scale = Math.min(s.w / off.width, (s.h - textH) / off.height);
      g.imageSmoothingEnabled = false;
      g.drawImage(off, (s.w - off.width * scale) / 2, 2, off.width * scale, off.height * scale);
    } else {
      var col = d.columns[0];
      g.fillStyle = COLORS.muted; g.textAlign = 'center';
      g.fillText('input: ' + col.units + ' features (no image shape)', s.w / 2, (s.h - textH) / 2);
    }
    var ok = d.label === d.predicted;
    g.textAlign = 'center';
    g.font = '12px system-ui, sans-serif';
    g.fillStyle = COLORS.ink;
    g.fillText('true: ' + d.classes[d.label], s.w / 2, s.h - textH + 12);
    g.font = 'bold 12px system-ui, sans-serif';
    g.fillStyle = ok ? COLORS.green : COLORS.red;
    g.fillText((ok ? '✓ ' : '✗ ') + 'predicted: ' + d.classes[d.predicted] + ' (' + percent(d.confidence) + ')', s.w / 2, s.h - textH + 30);
    setText('input-note', 'sample ' + d.shown);
  }

  function drawProbabilities() {
    var d = S.sample;
    if (!d) { return noSample('c-probs'); }
    var s = surface('c-probs');
    var g = s.g;
    var k = d.probabilities.length;
    var names = d.classes.map(function (c) { return short(c, 12); });
    g.font = 'bold 11px system-ui, sans-serif';
    var left = 8 + Math.max.apply(null, names.map(function (c) { return g.measureText(c).width; }));
    g.font = '11px system-ui, sans-serif';
    var right = 44;
    var h = (s.h - 18) / k;
    var wmax = s.w - left - right;
    for (var i = 0; i < k; i++) {
      var p = d.probabilities[i];
      var y = 4 + i * h;
      g.fillStyle = '#eef0f4';
      g.fillRect(left, y + h * 0.15, wmax, h * 0.7);
      g.fillStyle = i === d.predicted ? COLORS.orange : COLORS.soft;
      g.fillRect(left, y + h * 0.15, Math.max(0, Math.min(1, p)) * wmax, h * 0.7);
      g.textAlign = 'right';
      g.fillStyle = i === d.label ? COLORS.ink : COLORS.muted;
      g.font = (i === d.label ? 'bold ' : '') + '11px system-ui, sans-serif';
      g.fillText(names[i], left - 4, y + h / 2);
      g.textAlign = 'left';
      g.font = '11px system-ui, sans-serif';
      g.fillStyle = COLORS.ink;
      g.fillText(fixed(100 * p, 1) + '%', left + wmax + 4, y + h / 2);
    }
    g.fillStyle = COLORS.muted; g.textAlign = 'left';
    g.fillText('bold: true class · orange: prediction', left, s.h - 7);
  }

  function drawNetwork() {
    var d = S.sample;
    if (!d) { return noSample('c-net'); }
    var s = surface('c-net');
    var g = s.g;
    var cols = d.columns;
    var nc = cols.length;
    var left = 44;
    var right = 110;
    var top = 24;
    var bottom = 18;
    var xs = cols.map(function (c, i) { return left + i * (s.w - left - right) / Math.max(1, nc - 1); });
    var slots = Math.max.apply(null, cols.map(function (c) { return c.shown.length + (c.elided ? 1 : 0); }));
    var step = (s.h - top - bottom) / Math.max(1, slots);
    var radius = Math.max(2.5, Math.min(9, step * 0.38));
    var ys = cols.map(function (c) {
      var n = c.shown.length + (c.elided ? 1 : 0);
      var y0 = top + (s.h - top - bottom - n * step) / 2 + step / 2;
      return c.shown.map(function (_, i) { return y0 + i * step; });
    });
    // Connections, weakest first, each weight layer scaled by its strongest signal.
    var maxBy = {};
    d.edges.forEach(function (e) { maxBy[e[0]] = Math.max(maxBy[e[0]] || 0, e[3]); });
    var edges = d.edges.slice().sort(function (a, b) { return a[3] / maxBy[a[0]] - b[3] / maxBy[b[0]]; });
    edges.forEach(function (e) {
      var t = e[3] / (maxBy[e[0]] || 1);
      if (t < 0.02) { return; }
      g.strokeStyle = 'rgba(37,99,235,' + (0.06 + 0.8 * t) + ')';
      g.lineWidth = 0.4 + 2.4 * t;
      g.beginPath();
      g.moveTo(xs[e[0]], ys[e[0]][e[1]]);
      g.lineTo(xs[e[0] + 1], ys[e[0] + 1][e[2]]);
      g.stroke();
    });
    var width = d.image ? d.image.width : 0;
    cols.forEach(function (c, ci) {
      var isIn = ci === 0;
      var isOut = ci === nc - 1;
      c.shown.forEach(function (unit, i) {
        var a = c.values[i];
        var t = c.max_abs > 0 ? Math.min(1, Math.abs(a) / c.max_abs) : 0;
        var x = xs[ci];
        var y = ys[ci][i];
        if (isIn) {
          var v = Math.round(255 * (1 - t));
          g.fillStyle = 'rgb(' + v + ',' + v + ',' + v + ')';
        } else {
          g.fillStyle = 'rgb(' + Math.round(255 - 21 * t) + ',' + Math.round(255 - 167 * t) + ',' + Math.round(255 - 243 * t) + ')';
        }
        g.beginPath(); g.arc(x, y, radius, 0, 2 * Math.PI); g.fill();
        g.lineWidth = isOut && unit === d.predicted ? 2.5 : 1;
        g.strokeStyle = isOut && unit === d.predicted ? COLORS.orange : '#4b5563';
        g.stroke();
        g.font = '10px system-ui, sans-serif';
        if (isIn) {
          g.textAlign = 'right'; g.fillStyle = COLORS.muted;
          var label = width ? '(' + Math.floor(unit / width) + ',' + (unit % width) + ')' : '#' + unit;
          if (step >= 9) { g.fillText(label, x - radius - 3, y); }
        } else if (isOut) {
          g.textAlign = 'left';
          g.fillStyle = unit === d.predicted ? COLORS.orange : (unit === d.label ? COLORS.ink : COLORS.muted);
          g.font = (unit === d.predicted || unit === d.label ? 'bold ' : '') + '10px system-ui, sans-serif';
          g.fillText(short(d.classes[unit], 12) + ' ' + fixed(100 * a, 0) + '%', x + radius + 4, y);
        }
      });
      g.font = '10px system-ui, sans-serif';
      g.textAlign = 'center';
      g.fillStyle = COLORS.muted;
      if (c.elided) {
        var yl = last(ys[ci]) + step;
        g.font = 'bold 14px system-ui, sans-serif';
        g.fillText('⋮', xs[ci], yl);
        g.font = '10px system-ui, sans-serif';
      }
      var head = isIn ? 'input' : (isOut ? 'output' : 'hidden ' + ci);
      g.fillStyle = COLORS.ink;
      g.fillText(head, xs[ci], 7);
      g.fillStyle = COLORS.muted;
      g.fillText(c.elided ? c.shown.length + ' of ' + c.units : c.units + ' units', xs[ci], 18);
    });
    g.textAlign = 'left';
    g.fillStyle = COLORS.muted;
    g.fillText('input: the ' + cols[0].shown.length + ' brightest pixels (row, column)', 4, s.h - 6);
  }

  function drawSampleConfusion() {
    var d = S.sample;
    if (!d) { return noSample('c-conf'); }
    drawConfusion('c-conf', d.classes, d.counts, 'conf-note',
      d.shown + ' shown · accuracy ' + percent(d.accuracy));
  }

  function drawLayers() {
    var d = S.sample;
    if (!d) { return noSample('c-layers'); }
    var s = surface('c-layers');
    var L = d.layers;
    var vals = [];
    L.forEach(function (l) { vals.push(l.mean, l.max); });
    var yr = range(vals.concat([0]));
    yr[1] *= 1.12;
    // Room below a negative bar for its label, as above a positive one.
    if (yr[0] < 0) { yr[0] -= 0.12 * (yr[1] - yr[0]); }
    var f = frame(s, [0, L.length], yr, { noxticks: true, bottom: 30 });
    var g = s.g;
    var w = (f.box.r - f.box.l) / L.length;
    L.forEach(function (l, i) {
      [[l.mean, COLORS.blue], [l.max, COLORS.orange]].forEach(function (b, j) {
        var x = f.box.l + i * w + w * (0.15 + 0.36 * j);
        var y0 = f.y(0);
        var y1 = f.y(b[0]);
        g.fillStyle = b[1];
        g.fillRect(x, Math.min(y0, y1), w * 0.32, Math.abs(y0 - y1));
        g.fillStyle = COLORS.ink; g.textAlign = 'center'; g.font = '10px system-ui, sans-serif';
        // Beyond the bar's end: above a positive bar, below a negative one.
        g.fillText(fixed(b[0], 2), x + w * 0.16, b[0] < 0 ? Math.max(y0, y1) + 12 : Math.min(y0, y1) - 6);
      });
      g.fillStyle = COLORS.muted; g.textAlign = 'center';
      g.fillText(l.name, f.box.l + (i + 0.5) * w, f.box.b + 10);
    });
    legend(s, [['mean', COLORS.blue], ['max', COLORS.orange]], f.box.r - 100, f.box.t + 6);
  }

  function drawHistogram() {
    var d = S.sample;
    if (!d) { return noSample('c-hist'); }
    var s = surface('c-hist');
    var h = d.histogram;
    var lo = Math.min(h.edges[0], 0);
    var hi = Math.max(last(h.edges), 0);
    var top = Math.max.apply(null, h.counts) * 1.12 || 1;
    var f = frame(s, [lo, hi], [0, top], { bottom: 34 });
    var g = s.g;
    g.fillStyle = COLORS.soft;
    h.counts.forEach(function (n, i) {
      var x0 = f.x(h.edges[i]);
      var x1 = f.x(h.edges[i + 1]);
      g.fillRect(x0 + 0.5, f.y(n), Math.max(1, x1 - x0 - 1), f.y(0) - f.y(n));
    });
    g.strokeStyle = COLORS.red;
    g.setLineDash([4, 3]);
    g.lineWidth = 1.5;
    g.beginPath(); g.moveTo(f.x(0), f.box.t); g.lineTo(f.x(0), f.box.b); g.stroke();
    g.setLineDash([]);
    g.fillStyle = COLORS.red; g.textAlign = 'left';
    g.fillText('0', f.x(0) + 3, f.box.t + 6);
    var n = h.counts.reduce(function (a, b) { return a + b; }, 0);
    g.fillStyle = COLORS.muted; g.textAlign = 'left';
    g.fillText(n + ' weights into “' + d.classes[d.predicted] + '”', f.box.l, f.box.b + 22);
    g.textAlign = 'right';
    g.fillText('weight', f.box.r, f.box.b + 22);
  }

  function drawRecent() {
    var d = S.sample;
    if (!d) { return noSample('c-recent'); }
    var s = surface('c-recent');
    var r = d.recent;
    var f = frame(s, [0.5, Math.max(10, r.length) + 0.5], [0, 1],
      { bottom: 34, xint: true, yfmt: function (v) { return Math.round(v * 100) + '%'; } });
    var g = s.g;
    [[0.5, '50 %'], [0.9, '90 %']].forEach(function (l) {
      g.strokeStyle = COLORS.muted; g.setLineDash([5, 4]); g.lineWidth = 1;
      g.beginPath(); g.moveTo(f.box.l, f.y(l[0])); g.lineTo(f.box.r, f.y(l[0])); g.stroke();
      g.setLineDash([]);
      g.fillStyle = COLORS.muted; g.textAlign = 'right';
      g.fillText(l[1], f.box.r - 2, f.y(l[0]) - 7);
    });
    var pts = r.map(function (p, i) { return [i + 1, p[0]]; });
    polyline(g, f, pts, '#c3c9d4', 1);
    r.forEach(function (p, i) {
      g.fillStyle = p[1] ? COLORS.green : COLORS.red;
      g.beginPath(); g.arc(f.x(i + 1), f.y(p[0]), 3.2, 0, 2 * Math.PI); g.fill();
    });
    legend(s, [['right', COLORS.green], ['wrong', COLORS.red]], f.box.l + 6, f.box.b + 22);
    g.fillStyle = COLORS.muted; g.textAlign = 'right';
    g.fillText('prediction, latest right', f.box.r, f.box.b + 22);
  }

  var PANELS = { cost: drawCost, acc: drawAccuracy, time: drawTime, units: drawUnits,
    vconf: drawValidationConfusion, input: drawInput, probs: drawProbabilities,
    net: drawNetwork, conf: drawSampleConfusion, layers: drawLayers, hist: drawHistogram,
    recent: drawRecent };

  window.addEventListener('resize', function () { drawAll(); });
  status('connecting');
  drawAll();
  connect();
}());
