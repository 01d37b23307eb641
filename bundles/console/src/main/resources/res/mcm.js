/* Media Mesh tab of the Felix Web Console: polls data.json every second, keeps the tables and the charts up to
 * date, sends changes as POSTs to the plugin's "action" URL. Plain JavaScript, nothing loaded from elsewhere. */
(function () {
  'use strict';

  var root = document.getElementById('mcm-root');
  if (!root) {
    return;
  }
  var base = root.getAttribute('data-root');
  var HISTORY = 120;
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
  var series = {};           // session id -> {mbps: [], loss: [], label: ''}
  var sessionRows = {};      // session id -> tr
  var transportRows = {};    // bundle id -> tr
  var failures = 0;

  function color(id) {
    return PALETTE[id % PALETTE.length];
  }

  function cell(tr, cls) {
    var td = document.createElement('td');
    if (cls) {
      td.className = cls;
    }
    tr.appendChild(td);
    return td;
  }

  function setText(td, text) {
    text = text === undefined || text === null ? '' : String(text);
    if (td.textContent !== text) {
      td.textContent = text;
    }
  }

  function formatBitrate(bits) {
    if (bits >= 1e9) {
      return (bits / 1e9).toFixed(2) + ' Gbit/s';
    }
    if (bits >= 1e6) {
      return (bits / 1e6).toFixed(1) + ' Mbit/s';
    }
    if (bits >= 1e3) {
      return (bits / 1e3).toFixed(1) + ' kbit/s';
    }
    return bits + ' bit/s';
  }

  function message(text, ok) {
    var m = document.getElementById('mcm-message');
    m.textContent = text;
    m.className = ok ? 'mcm-ok' : 'mcm-error';
  }

  function post(params) {
    var body = new URLSearchParams();
    Object.keys(params).forEach(function (k) { body.append(k, params[k]); });
    return fetch(base + '/action', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: body
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, message: 'HTTP ' + r.status }; });
    }).then(function (j) {
      message(j.message, j.ok);
      return poll(true);
    }).catch(function (e) {
      message(String(e), false);
    });
  }

  function button(label, cls, onClick) {
    var b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.className = cls;
    b.addEventListener('click', onClick);
    return b;
  }

  // ---- sessions

  function renderSessions(sessions) {
    var tbody = document.querySelector('#mcm-sessions tbody');
    var seen = {};
    sessions.forEach(function (s) {
      seen[s.id] = true;
      var tr = sessionRows[s.id];
      if (!tr) {
        tr = document.createElement('tr');
        tr.setAttribute('data-id', s.id);
        var idCell = cell(tr, 'id');
        var sw = document.createElement('span');
        sw.className = 'mcm-swatch';
        sw.style.background = color(s.id);
        idCell.appendChild(sw);
        idCell.appendChild(document.createTextNode(String(s.id)));
        ['owner', 'direction', 'transport', 'format', 'state mcm-state', 'reason'].forEach(function (c) { cell(tr, c); });
        ['fps num', 'bitrate num', 'loss num', 'latency num'].forEach(function (c) { cell(tr, c); });
        var actions = cell(tr, 'actions');
        actions.appendChild(button('Delete', 'mcm-delete', function () {
          post({ action: 'delete', id: s.id });
        }));
        sessionRows[s.id] = tr;
      }
      var c = tr.children;
      setText(c[1], s.owner);
      setText(c[2], s.direction);
      setText(c[3], s.transport);
      setText(c[4], s.format);
      setText(c[5], s.state);
      c[5].className = 'state mcm-state mcm-state-' + s.state;
      setText(c[6], s.reason);
      setText(c[7], s.terminal ? '-' : s.fps.toFixed(2));
      setText(c[8], s.terminal ? '-' : formatBitrate(s.bitrate) + (s.bytesEstimated ? ' (est.)' : ''));
      setText(c[9], s.lostPackets + ' pkt / ' + s.droppedFrames + ' fr' + (s.terminal ? '' : ' (' + s.lossRate.toFixed(1) + '/s)'));
      setText(c[10], s.terminal || s.latencyUs < 0 ? '-' : (s.latencyUs >= 1000 ? (s.latencyUs / 1000).toFixed(1) + ' ms' : s.latencyUs + ' µs'));
      tr.className = s.terminal ? 'mcm-ended' : '';
      // a one-line description (e.g. an RTSP session's URL and state) leads the tooltip; SDPs stay out of it
      var oneLine = s.description && s.description.indexOf('\n') < 0 ? s.description + '\n' : '';
      tr.title = oneLine + 'local ' + s.local + ', remote ' + s.remote + ', created ' + s.created + '\n' + JSON.stringify(s.stats);
      if (tr.parentNode !== tbody) {
        tbody.appendChild(tr);
      }
      var h = series[s.id];
      if (!h) {
        h = series[s.id] = { mbps: [], loss: [] };
      }
      h.label = s.id + ' ' + s.direction + ' ' + s.transport;
      h.ended = s.terminal;
      push(h.mbps, s.terminal ? 0 : s.bitrate / 1e6);
      push(h.loss, s.terminal ? 0 : s.lossRate);
    });
    Object.keys(sessionRows).forEach(function (id) {
      if (!seen[id]) {
        sessionRows[id].remove();
        delete sessionRows[id];
      }
    });
    // a session that is gone stays on the charts (dashed, at zero) until its history has scrolled out
    Object.keys(series).forEach(function (id) {
      if (!seen[id]) {
        var h = series[id];
        h.ended = true;
        push(h.mbps, 0);
        push(h.loss, 0);
        if (h.mbps.every(function (v) { return v === 0; }) && h.loss.every(function (v) { return v === 0; })) {
          delete series[id];
        }
      }
    });
    document.getElementById('mcm-no-sessions').style.display = sessions.length ? 'none' : '';
  }

  function push(arr, v) {
    arr.push(v);
    while (arr.length > HISTORY) {
      arr.shift();
    }
  }

  // ---- transports

  function renderTransports(transports) {
    var tbody = document.querySelector('#mcm-transports tbody');
    var seen = {};
    transports.forEach(function (t) {
      var key = t.bundleId >= 0 ? String(t.bundleId) : 'x-' + t.bundle + '-' + t.protocols.join(',');
      seen[key] = true;
      var tr = transportRows[key];
      if (!tr) {
        tr = document.createElement('tr');
        tr.setAttribute('data-bundle-id', t.bundleId);
        ['protocols', 'bundle', 'version', 'state mcm-state', 'active num', 'description', 'actions'].forEach(function (c) { cell(tr, c); });
        if (t.bundleId >= 0) {
          var a = tr.children[6];
          a.appendChild(button('Start', 'mcm-start', function () { post({ action: 'start', bundle: t.bundleId }); }));
          a.appendChild(button('Stop', 'mcm-stop', function () { post({ action: 'stop', bundle: t.bundleId }); }));
          a.appendChild(button('Uninstall', 'mcm-uninstall', function () {
            if (window.confirm('Uninstall bundle ' + t.bundle + ' ' + t.version + '? Its sessions end.')) {
              post({ action: 'uninstall', bundle: t.bundleId });
            }
          }));
        }
        transportRows[key] = tr;
        tbody.appendChild(tr);
      }
      var c = tr.children;
      tr.setAttribute('data-protocols', t.protocols.join(' '));
      setText(c[0], t.protocols.join(', ') || '-');
      setText(c[1], t.bundle);
      setText(c[2], t.version);
      setText(c[3], t.state);
      c[3].className = 'state mcm-state mcm-state-' + t.state;
      setText(c[4], t.activeSessions);
      setText(c[5], t.description);
      var active = t.state === 'ACTIVE' || t.state === 'STARTING';
      var start = tr.querySelector('.mcm-start');
      var stop = tr.querySelector('.mcm-stop');
      if (start) {
        start.disabled = active;
        stop.disabled = !active;
      }
    });
    Object.keys(transportRows).forEach(function (k) {
      if (!seen[k]) {
        transportRows[k].remove();
        delete transportRows[k];
      }
    });
  }

  // ---- charts

  function niceMax(v) {
    if (!(v > 0)) {
      return 1;
    }
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function drawChart(canvasId, key) {
    var canvas = document.getElementById(canvasId);
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth || 560;
    var h = canvas.clientHeight || 220;
    if (canvas.width !== Math.round(w * ratio)) {
      canvas.width = Math.round(w * ratio);
      canvas.height = Math.round(h * ratio);
    }
    var g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    var left = 54, right = 8, top = 10, bottom = 22;
    var pw = w - left - right, ph = h - top - bottom;
    var ids = Object.keys(series);
    var max = 0;
    ids.forEach(function (id) {
      series[id][key].forEach(function (v) { if (v > max) { max = v; } });
    });
    max = niceMax(max);
    g.font = '11px sans-serif';
    g.strokeStyle = '#e3e3e3';
    g.fillStyle = '#555';
    g.lineWidth = 1;
    for (var i = 0; i <= 4; i++) {
      var y = top + ph - ph * i / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y) + 0.5);
      g.lineTo(left + pw, Math.round(y) + 0.5);
      g.stroke();
      var label = max * i / 4;
      g.textAlign = 'right';
      g.textBaseline = 'middle';
      g.fillText((label >= 100 ? label.toFixed(0) : label.toFixed(label >= 10 ? 1 : 2)), left - 6, y);
    }
    g.textBaseline = 'alphabetic';
    g.textAlign = 'center';
    g.fillText('-' + HISTORY + ' s', left + 10, h - 6);
    g.fillText('now', left + pw - 10, h - 6);
    g.strokeStyle = '#999';
    g.strokeRect(left + 0.5, top + 0.5, pw, ph);
    ids.forEach(function (id) {
      var data = series[id][key];
      if (data.length < 1) {
        return;
      }
      g.strokeStyle = color(Number(id));
      g.lineWidth = 1.5;
      g.setLineDash(series[id].ended ? [4, 3] : []);
      g.beginPath();
      var x0 = left + pw - (data.length - 1) * pw / (HISTORY - 1);
      data.forEach(function (v, j) {
        var x = x0 + j * pw / (HISTORY - 1);
        var y = top + ph - Math.min(v, max) / max * ph;
        if (j === 0) {
          g.moveTo(x, y);
        } else {
          g.lineTo(x, y);
        }
      });
      g.stroke();
    });
    g.setLineDash([]);
    // legend
    var lx = left + 8, ly = top + 14;
    g.textAlign = 'left';
    ids.slice(0, 8).forEach(function (id) {
      g.fillStyle = color(Number(id));
      g.fillRect(lx, ly - 8, 10, 10);
      g.fillStyle = '#333';
      g.fillText(series[id].label, lx + 14, ly + 1);
      ly += 14;
    });
  }

  // ---- polling

  function renderCodecs(codecs) {
    var tbody = document.querySelector('#mcm-codecs tbody');
    while (tbody.firstChild) {
      tbody.removeChild(tbody.firstChild);
    }
    codecs.forEach(function (k) {
      var tr = document.createElement('tr');
      [k.name, k.bundle, k.version, k.state].forEach(function (v, i) {
        var td = cell(tr, ['name', 'bundle', 'version', 'state'][i]);
        setText(td, v);
      });
      tbody.appendChild(tr);
    });
  }

  function render(data) {
    var status = document.getElementById('mcm-status');
    var open = data.totals.sessionsOpen;
    status.textContent = (data.managerAvailable ? '' : 'Session manager not running. ') +
      open + ' open session' + (open === 1 ? '' : 's') + ', ' + data.totals.transportsLoaded +
      ' transport bundle' + (data.totals.transportsLoaded === 1 ? '' : 's') + ' loaded; updated ' +
      new Date(data.time).toLocaleTimeString();
    root.setAttribute('data-updated', String(data.time));
    renderSessions(data.sessions);
    renderTransports(data.transports);
    renderCodecs(data.codecs || []);
    drawChart('mcm-chart-throughput', 'mbps');
    drawChart('mcm-chart-loss', 'loss');
  }

  var timer = null;

  function poll(once) {
    return fetch(base + '/data.json', { credentials: 'same-origin', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) {
          throw new Error('data.json: HTTP ' + r.status);
        }
        return r.json();
      })
      .then(function (data) {
        failures = 0;
        render(data);
      })
      .catch(function (e) {
        failures++;
        document.getElementById('mcm-status').textContent = 'Cannot reach the proxy (' + e.message + '), retrying';
      })
      .then(function () {
        if (!once) {
          timer = setTimeout(poll, failures > 5 ? 5000 : 1000);
        }
      });
  }

  document.getElementById('mcm-create').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var sdp = document.getElementById('mcm-sdp').value;
    if (!sdp.trim()) {
      message('Paste the SDP of a sender first.', false);
      return;
    }
    post({ action: 'create', sdp: sdp });
  });

  document.getElementById('mcm-upload-button').addEventListener('click', function () {
    var input = document.getElementById('mcm-upload-file');
    var file = input.files && input.files[0];
    if (!file) {
      message('Choose a bundle (.jar) first.', false);
      return;
    }
    fetch(base + '/upload', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/java-archive' },
      body: file
    }).then(function (r) {
      return r.json().catch(function () { return { ok: false, message: 'HTTP ' + r.status }; });
    }).then(function (j) {
      message(j.message, j.ok);
      input.value = '';
      return poll(true);
    }).catch(function (e) {
      message(String(e), false);
    });
  });

  poll(false);
}());
