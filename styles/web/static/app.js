// Indus viewer: MapLibre GL JS over the server's own styles, tiles, risk queries and warnings.
// Plain JavaScript, no build step; everything it loads comes from the Indus server.
(function () {
  'use strict';
  const api = (path) => new URL(path, location.origin).toString();
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const fmt = (v, d = 0) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: d }) : esc(v));

  const indus = { lastReport: null, warnings: new Map(), errors: [] };
  window.indus = indus;

  // Urdu names are written right to left in joined letters: Mapbox's RTL text plugin (ICU's
  // Arabic shaping and bidi, vendored) turns them into presentation forms in visual order, whose
  // glyphs the server's fonts have. Loaded when the first right-to-left label is met.
  maplibregl.setRTLTextPlugin(api('/map/vendor/mapbox-gl-rtl-text.js'), true)
    .catch((e) => indus.errors.push('RTL text plugin: ' + e));
  const map = new maplibregl.Map({ container: 'map', style: api('/styles/indus.json'), center: [69.3, 30.4], zoom: 4.6, hash: true, attributionControl: { compact: false } });
  indus.map = map;
  map.addControl(new maplibregl.NavigationControl(), 'top-right');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  map.on('error', (e) => indus.errors.push(String(e && e.error && e.error.message || e)));

  // PMTiles archives (indus export pmtiles) are read straight from a file server or CDN with
  // Range requests: a source url of pmtiles://https://host/name.pmtiles.
  const archives = new pmtiles.Protocol();
  maplibregl.addProtocol('pmtiles', archives.tile);

  indus.ready = Promise.all([
    fetch(api('/catalog')).then((r) => r.json()),
    fetch(api('/styles/legend.json')).then((r) => r.json()),
    new Promise((resolve) => map.once('load', resolve)),
  ]).then(([catalog, legend]) => {
    indus.catalog = catalog;
    buildPanel(catalog, legend);
    addOverlays();
    startWarnings();
    startPlanner(catalog);
  });

  // ---------------------------------------------------------------- PMTiles archives
  // indus.addArchive(url) shows every vector layer of the archive at url (also ?pmtiles=URL in
  // the page address) in plain colours and resolves to the ids of the style layers it added.
  const palette = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02', '#a6761d', '#666666'];
  let archiveCount = 0;
  indus.addArchive = async (url) => {
    const archive = new pmtiles.PMTiles(url);
    archives.add(archive);
    const meta = await archive.getMetadata();
    const src = 'pmtiles-' + (++archiveCount);
    map.addSource(src, { type: 'vector', url: 'pmtiles://' + url });
    const ids = [];
    (meta.vector_layers || []).forEach((vl, i) => {
      const color = palette[i % palette.length];
      const base = { source: src, 'source-layer': vl.id, metadata: { 'indus:archive': url, 'indus:archive-layer': vl.id } };
      const add = (kind, type, filter, paint) => {
        const id = `${src}-${vl.id}-${kind}`;
        map.addLayer({ ...base, id, type, filter: ['==', '$type', filter], paint });
        ids.push(id);
      };
      add('fill', 'fill', 'Polygon', { 'fill-color': color, 'fill-opacity': 0.35 });
      add('line', 'line', 'LineString', { 'line-color': color, 'line-width': 1.5 });
      add('point', 'circle', 'Point', { 'circle-color': color, 'circle-radius': 3 });
    });
    return ids;
  };
  const archiveParam = new URLSearchParams(location.search).get('pmtiles');
  if (archiveParam) indus.ready.then(() => indus.addArchive(archiveParam));

  // ---------------------------------------------------------------- layer panel
  function styleLayersOf(pred) {
    return map.getStyle().layers.filter((l) => l.metadata && pred(l.metadata));
  }
  function setVisible(layers, on) {
    for (const l of layers) map.setLayoutProperty(l.id, 'visibility', on ? 'visible' : 'none');
  }
  indus.setThemeVisible = (theme, on) => {
    setVisible(styleLayersOf((m) => m['indus:theme'] === theme), on);
    const box = document.querySelector(`input[data-theme="${theme}"]`);
    if (box) box.checked = on;
  };

  function buildPanel(catalog, legend) {
    const byId = Object.fromEntries(legend.layers.map((l) => [l.id, l]));
    const meta = Object.fromEntries(catalog.layers.map((l) => [l.id, l]));
    const root = $('themes');
    for (const theme of catalog.themes) {
      const div = document.createElement('div');
      div.className = 'theme';
      div.innerHTML = `<label><input type="checkbox" checked data-theme="${esc(theme.id)}"> ${esc(theme.title)}</label>`;
      for (const id of theme.layers) {
        const lg = byId[id];
        const row = document.createElement('div');
        row.className = 'layer';
        const sw = (lg ? lg.items : []).map((it) => `<span class="swatch ${esc(lg.kind)}" title="${esc(it.label)}" style="background:${esc(it.color)}"></span>`).join('');
        row.innerHTML = `<input type="checkbox" checked data-layer="${esc(id)}"><span class="swatches">${sw}</span><span>${esc(meta[id] ? meta[id].metadata.title : id)}</span><button class="info" data-info="${esc(id)}" title="About this layer">i</button>`;
        div.appendChild(row);
      }
      root.appendChild(div);
    }
    root.addEventListener('change', (e) => {
      const t = e.target;
      if (t.dataset.theme) {
        indus.setThemeVisible(t.dataset.theme, t.checked);
        t.closest('.theme').querySelectorAll('input[data-layer]').forEach((b) => (b.checked = t.checked));
      } else if (t.dataset.layer) {
        setVisible(styleLayersOf((m) => m['indus:layer'] === t.dataset.layer), t.checked);
      }
    });
    root.addEventListener('click', (e) => {
      const id = e.target.dataset && e.target.dataset.info;
      if (!id) return;
      const l = meta[id];
      const m = l.metadata;
      $('meta-body').innerHTML = `<h3>${esc(m.title)}</h3><p>${esc(m.abstract)}</p>
        <p><b>Measure:</b> ${esc(m.measure)}</p><p><b>Lineage:</b> ${esc(m.lineage)}</p>
        <p><b>Quality:</b> ${esc(m.quality)}</p><p><b>Licence:</b> ${esc(m.license)}${m.attribution ? ' — ' + esc(m.attribution) : ''}</p>
        <p><b>Resolution:</b> ${esc(m.resolution)}; <b>updated:</b> ${esc(m.update_frequency)}; <b>contact:</b> ${esc(m.contact)}</p>`;
      $('meta').showModal();
    });
  }

  // ---------------------------------------------------------------- feature info
  map.on('click', (e) => {
    if (draw.mode) return;
    const feats = map.queryRenderedFeatures(e.point).filter((f) => f.layer.metadata && f.layer.metadata['indus:layer']);
    if (!feats.length) return;
    const f = feats.find((x) => !x.layer.metadata['indus:label']) || feats[0]; // the feature rather than its name
    const rows = Object.entries(f.properties).map(([k, v]) => `<tr><td>${esc(k)}</td><td>${fmt(v, 3)}</td></tr>`).join('');
    new maplibregl.Popup({ className: 'popup' }).setLngLat(e.lngLat)
      .setHTML(`<b>${esc(f.layer.metadata['indus:layer'])}</b><table>${rows}</table>`).addTo(map);
  });

  // ---------------------------------------------------------------- drawing and the risk report
  const draw = { mode: null, points: [] };
  function addOverlays() {
    map.addSource('draw', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'draw-fill', type: 'fill', source: 'draw', filter: ['==', '$type', 'Polygon'], paint: { 'fill-color': '#ffff00', 'fill-opacity': 0.15 } });
    map.addLayer({ id: 'draw-line', type: 'line', source: 'draw', paint: { 'line-color': '#111', 'line-width': 2, 'line-dasharray': [2, 1] } });
    map.addLayer({ id: 'draw-points', type: 'circle', source: 'draw', filter: ['==', '$type', 'Point'], paint: { 'circle-radius': 4, 'circle-color': '#111' } });
    map.addSource('fibre-plan', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'fibre-plan-links', type: 'line', source: 'fibre-plan', filter: ['==', ['get', 'kind'], 'link'], paint: { 'line-color': '#7b3294', 'line-width': 1.6 } });
    map.addLayer({ id: 'fibre-plan-villages', type: 'circle', source: 'fibre-plan', filter: ['==', ['get', 'kind'], 'village'],
      paint: { 'circle-radius': 3, 'circle-color': ['case', ['>', ['get', 'flood_rp'], 0], '#c2a5cf', '#7b3294'], 'circle-stroke-color': '#40004b', 'circle-stroke-width': 0.6 } });
    map.addSource('live-warnings', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    map.addLayer({ id: 'live-warnings-fill', type: 'fill', source: 'live-warnings', paint: { 'fill-color': '#ef3b2c', 'fill-opacity': 0.3 } });
    map.addLayer({ id: 'live-warnings-line', type: 'line', source: 'live-warnings', paint: { 'line-color': '#99000d', 'line-width': 2.5 } });
  }
  function renderDraw() {
    const f = draw.points.map((p) => ({ type: 'Feature', geometry: { type: 'Point', coordinates: p }, properties: {} }));
    if (draw.points.length > 1) {
      const ring = draw.mode === 'polygon' && draw.points.length > 2 ? [...draw.points, draw.points[0]] : draw.points;
      f.push({ type: 'Feature', properties: {}, geometry: draw.mode === 'polygon' && draw.points.length > 2 ? { type: 'Polygon', coordinates: [ring] } : { type: 'LineString', coordinates: ring } });
    }
    map.getSource('draw').setData({ type: 'FeatureCollection', features: f });
  }
  function startDraw(mode) {
    draw.mode = mode;
    draw.points = [];
    map.doubleClickZoom.disable();
    map.getCanvas().style.cursor = 'crosshair';
    $('draw-poly').classList.toggle('active', mode === 'polygon');
    $('draw-line').classList.toggle('active', mode === 'line');
    renderDraw();
  }
  function stopDraw() {
    draw.mode = null;
    map.getCanvas().style.cursor = '';
    $('draw-poly').classList.remove('active');
    $('draw-line').classList.remove('active');
    setTimeout(() => map.doubleClickZoom.enable(), 0);
  }
  $('draw-poly').onclick = () => startDraw('polygon');
  $('draw-line').onclick = () => startDraw('line');
  $('draw-clear').onclick = () => { stopDraw(); draw.points = []; renderDraw(); $('report').innerHTML = ''; };
  map.on('click', (e) => { if (draw.mode) { draw.points.push([e.lngLat.lng, e.lngLat.lat]); renderDraw(); } });
  map.on('dblclick', (e) => {
    if (!draw.mode) return;
    e.preventDefault();
    const mode = draw.mode;
    stopDraw();
    // a double-click also fired two clicks: drop the repeated last point
    const pts = draw.points.filter((p, i, a) => i === 0 || p[0] !== a[i - 1][0] || p[1] !== a[i - 1][1]);
    if (mode === 'polygon') indus.drawPolygon(pts);
    else indus.drawCorridor(pts, Number($('buffer').value));
  });

  function request(body) {
    return { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  }
  async function report(body) {
    $('report').innerHTML = '<p class="hint">Computing…</p>';
    const r = await fetch(api('/risk/area'), request(body));
    const res = await r.json();
    if (!r.ok) {
      $('report').innerHTML = `<p class="error">${esc(res.error)}${res.detail ? ': ' + esc(res.detail) : ''}</p>`;
      indus.lastReport = { error: res };
      return indus.lastReport;
    }
    renderReport(res, body);
    indus.lastReport = res;
    return res;
  }
  indus.drawPolygon = (pts) => {
    draw.mode = 'polygon';
    draw.points = pts.slice();
    renderDraw();
    draw.mode = null;
    const ring = [...pts, pts[0]];
    return report({ geometry: { type: 'Polygon', coordinates: [ring] } });
  };
  indus.drawCorridor = (pts, bufferM) => {
    draw.mode = 'line';
    draw.points = pts.slice();
    renderDraw();
    draw.mode = null;
    return report({ corridor: { geometry: { type: 'LineString', coordinates: pts }, buffer_m: bufferM } });
  };

  function renderReport(res, body) {
    const pop = (c) => (c.exposure.villages ? c.exposure.villages.population : 0);
    const vil = (c) => (c.exposure.villages ? c.exposure.villages.count : 0);
    const fib = (c) => (c.exposure.villages ? c.exposure.villages.fibre : 0);
    let html = `<p><b>${fmt(res.query.area_km2, 1)} km²</b> (${esc(res.query.type)}), computed in ${fmt(res.timing_ms, 1)} ms.</p>`;
    const ri = res.risk_index;
    html += `<div class="index" id="risk-index"><span>Risk index (0–10)</span><b data-value="${ri.value}">${fmt(ri.value, 2)}</b>
      <span>Hazard &amp; exposure</span><span>${fmt(ri.hazard_exposure, 2)}</span>
      <span>Vulnerability</span><span>${fmt(ri.vulnerability, 2)}</span>
      <span>Lack of coping capacity</span><span>${fmt(ri.lack_of_coping_capacity, 2)}</span></div>`;
    for (const s of res.summary) {
      html += `<p>${esc(s.hazard)}: expected annual exposed population <b>${fmt(s.expected_annual_population)}</b>, level <b>${esc(s.level)}</b>.</p>`;
    }
    html += '<table id="report-table"><tr><th>layer</th><th>class</th><th>km²</th><th>share</th><th>villages</th><th>people</th><th>fibre</th></tr>';
    let maxPop = 1;
    for (const h of res.hazards) for (const c of h.classes) maxPop = Math.max(maxPop, pop(c));
    let bars = '';
    for (const h of res.hazards) {
      for (const c of h.classes) {
        html += `<tr data-layer="${esc(h.layer)}" data-class="${esc(c.class)}"><td>${esc(h.layer)}</td><td>${esc(c.class)}</td><td>${fmt(c.area_km2, 1)}</td><td>${fmt(100 * c.share_of_area, 1)}%</td><td class="villages">${fmt(vil(c))}</td><td class="population">${fmt(pop(c))}</td><td>${fmt(fib(c))}</td></tr>`;
        bars += `<div class="bar"><span class="label">RP ${h.return_period} ${esc(c.class)}</span><span class="fill" style="width:${Math.round(180 * pop(c) / maxPop)}px"></span><span>${fmt(pop(c))}</span></div>`;
      }
    }
    html += '</table><p class="hint">Exposed population by return period and depth class</p><div class="bars">' + bars + '</div>';
    html += '<button id="csv" type="button">Download CSV</button>';
    $('report').innerHTML = html;
    $('csv').onclick = async () => {
      const r = await fetch(api('/risk/area?format=csv'), request(body));
      const a = document.createElement('a');
      a.href = URL.createObjectURL(await r.blob());
      a.download = 'indus-risk-area.csv';
      a.click();
    };
  }

  // ---------------------------------------------------------------- fibre roll-out plan
  function startPlanner(catalog) {
    if (catalog.layers.some((l) => l.id === 'provinces')) {
      fetch(api('/collections/provinces/items')).then((r) => r.json()).then((fc) => {
        const opts = fc.features.map((f) => f.properties).sort((a, b) => String(a.name_en).localeCompare(b.name_en));
        $('plan-admin').insertAdjacentHTML('beforeend', opts.map((p) => `<option value="${esc(p.iso_3166_2)}">${esc(p.name_en)}</option>`).join(''));
      });
    }
    $('plan-run').onclick = () => indus.planFibre(planForm());
    $('plan-clear').onclick = () => { map.getSource('fibre-plan').setData({ type: 'FeatureCollection', features: [] }); $('plan').innerHTML = ''; };
  }
  function planForm() {
    const body = { target: Number($('plan-target').value), weights: { flood: Number($('plan-flood').value), backbone: $('plan-backbone').checked ? 1 : 0 } };
    if ($('plan-admin').value) body.admin = { layer: 'provinces', id: $('plan-admin').value };
    return body;
  }
  indus.planFibre = async (body) => {
    $('plan').innerHTML = '<p class="hint">Planning…</p>';
    const r = await fetch(api('/plan/fibre'), request(body));
    const res = await r.json();
    if (!r.ok) {
      $('plan').innerHTML = `<p class="error">${esc(res.error)}${res.detail ? ': ' + esc(res.detail) : ''}</p>`;
      indus.lastPlan = { error: res };
      return indus.lastPlan;
    }
    const feats = [];
    for (const s of res.steps) {
      const props = { kind: 'link', order: s.order, village_id: s.village_id, cable_km: s.cable_km, population: s.population, flood_rp: s.flood_rp };
      feats.push({ type: 'Feature', properties: props, geometry: { type: 'LineString', coordinates: [[s.from_lon, s.from_lat], [s.lon, s.lat]] } });
      feats.push({ type: 'Feature', properties: { ...props, kind: 'village' }, geometry: { type: 'Point', coordinates: [s.lon, s.lat] } });
    }
    map.getSource('fibre-plan').setData({ type: 'FeatureCollection', features: feats });
    renderPlan(res, body);
    indus.lastPlan = res;
    return res;
  };
  function renderPlan(res, body) {
    const s = res.summary;
    const pct = (v) => fmt(100 * v, 1) + ' %';
    const row = (key, label, value, shown) => `<span>${label}</span><span data-key="${key}" data-value="${value}">${shown}</span>`;
    $('plan').innerHTML = `<div class="index" id="plan-summary">
      ${row('villages_connected', 'Villages newly connected', s.connected_after - s.connected_before, fmt(s.connected_after - s.connected_before))}
      ${row('people_connected', 'People newly connected', s.people_connected, fmt(s.people_connected))}
      ${row('cable_km', 'New cable', s.cable_km, fmt(s.cable_km, 1) + ' km')}
      ${row('flood_zone_share_before', 'Flood-zone people on fibre, before', s.flood_zone_share_before, pct(s.flood_zone_share_before))}
      ${row('flood_zone_share_after', 'after', s.flood_zone_share_after, pct(s.flood_zone_share_after))}</div>
      <p class="hint">${fmt(res.villages)} villages planned over (${fmt(s.connected_before)} on fibre), route factor ${fmt(res.options.route_factor, 2)},
      ${fmt(Math.ceil(res.steps.length / res.options.phase_size))} phases of ${fmt(res.options.phase_size)}; computed in ${fmt(res.timing_ms, 1)} ms.</p>
      <button id="plan-csv" type="button">Download CSV</button>`;
    $('plan-csv').onclick = async () => {
      const r = await fetch(api('/plan/fibre?format=csv'), request(body));
      const a = document.createElement('a');
      a.href = URL.createObjectURL(await r.blob());
      a.download = 'indus-fibre-plan.csv';
      a.click();
    };
  }

  // ---------------------------------------------------------------- live warnings
  function renderWarnings() {
    const feats = [...indus.warnings.values()].map((w) => ({ type: 'Feature', geometry: w.area, properties: { id: w.id, category: w.category, severity: w.severity, headline: w.headline } }));
    if (map.getSource('live-warnings')) map.getSource('live-warnings').setData({ type: 'FeatureCollection', features: feats });
    const impact = (w) => (w.impact ? `<br><span class="impact" data-people="${w.impact.exposed_population}">${fmt(w.impact.exposed_population)} people in
      ${fmt(w.impact.exposed_villages)} villages; <a href="${esc(api('/warnings/' + w.id + '/villages?fibre=false&format=csv'))}">${fmt(w.impact.exposed_villages_without_fibre)} without fibre</a>
      (radio, SMS, loudspeakers); ${fmt(w.impact.exposed_shelters)} shelters</span>` : '');
    $('warning-list').innerHTML = [...indus.warnings.values()].map((w) =>
      `<li class="sev-${esc(w.severity)}">${esc(w.headline)} — <a href="${esc(api('/warnings/' + w.identifier + '.cap'))}" target="_blank">CAP</a>${impact(w)}</li>`).join('') || '<li class="hint">No active warnings.</li>';
  }
  function startWarnings() {
    fetch(api('/warnings?status=active')).then((r) => (r.ok ? r.json() : { warnings: [] })).then((list) => {
      for (const w of list.warnings || []) indus.warnings.set(w.id, w);
      renderWarnings();
      const es = new EventSource(api('/warnings/stream'));
      es.onopen = () => ($('stream-state').textContent = 'live');
      es.onerror = () => ($('stream-state').textContent = 'reconnecting…');
      const on = (type) => es.addEventListener(type, (e) => {
        const w = JSON.parse(e.data);
        if (type === 'exit' || w.status === 'cancelled') indus.warnings.delete(w.id);
        else if (w.id) indus.warnings.set(w.id, w);
        renderWarnings();
      });
      on('enter'); on('update'); on('exit');
      es.addEventListener('reset', () => { indus.warnings.clear(); renderWarnings(); });
    });
  }
})();
