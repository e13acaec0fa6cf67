// Drives the Indus viewer in Debian's chromium with Playwright and checks what a planner sees.
//   node browser.mjs BASE_URL OUT_DIR API_KEY [PMTILES_URL]
// With PMTILES_URL (an archive from indus export pmtiles on a server honouring Range, with CORS),
// it also shows the archive through the pmtiles:// protocol and checks that its features render.
// Exits 0 when every check passes; prints one JSON line with what it measured.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';

const [base, outDir, apiKey, archiveURL] = process.argv.slice(2);
mkdirSync(outDir, { recursive: true });
const fail = (msg) => { console.error('FAIL: ' + msg); process.exitCode = 1; throw new Error(msg); };
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text() + ' ' + (m.location().url || '')); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  const fontResponses = [];
  page.on('response', (r) => { if (r.url().includes('/fonts/')) fontResponses.push({ url: decodeURIComponent(r.url()), status: r.status() }); });
  await page.goto(base + '/map/', { waitUntil: 'load' });
  await page.waitForFunction(() => window.indus && window.indus.catalog, null, { timeout: 60000 });
  const idle = () => page.evaluate(() => new Promise((resolve) => {
    const m = window.indus.map;
    if (m.loaded() && m.areTilesLoaded()) return setTimeout(resolve, 300);
    m.once('idle', () => setTimeout(resolve, 300));
  }));
  // Labels at the opening view (Pakistan at zoom 4.6): each province named once, in English and
  // in Urdu — right to left through the RTL plugin, in presentation forms whose glyphs Indus
  // serves — and the cities of a million people.
  await page.waitForFunction(() => maplibregl.getRTLTextPluginStatus() === 'loaded', null, { timeout: 30000 });
  await idle();
  const labels = await page.evaluate(() => {
    const m = window.indus.map;
    const names = (layer, key) => m.queryRenderedFeatures({ layers: [layer] }).map((f) => f.properties[key]);
    return { provinces: names('provinces-label', 'name_en'), urdu: names('provinces-label', 'name_ur'),
      places: names('places-label', 'name'), rtl: maplibregl.getRTLTextPluginStatus() };
  });
  result.labels = labels;
  for (const p of ['Sindh', 'Punjab', 'Balochistan']) if (!labels.provinces.includes(p)) fail('province not named: ' + p + ' ' + JSON.stringify(labels));
  if (new Set(labels.provinces).size !== labels.provinces.length) fail('a province named twice: ' + labels.provinces);
  for (const u of ['سندھ', 'پنجاب']) if (!labels.urdu.includes(u)) fail('Urdu name not shown: ' + u);
  for (const c of ['Karachi', 'Lahore']) if (!labels.places.includes(c)) fail('city not named: ' + c);
  const fontsOK = fontResponses.filter((r) => r.status === 200).map((r) => r.url.replace(/^.*\/fonts\//, ''));
  result.fonts = fontsOK;
  if (!fontsOK.some((u) => u.includes('Noto Naskh Arabic') && /\/(64256-64511|65024-65279)\.pbf$/.test(u))) fail('no Arabic presentation forms fetched: ' + fontsOK);
  const badFonts = fontResponses.filter((r) => r.status !== 200 && r.status !== 304);
  if (badFonts.length) fail('font requests failed: ' + JSON.stringify(badFonts));

  // Over the lower Indus: flood zones, rivers, villages, routes, boundaries.
  await page.evaluate(() => window.indus.map.jumpTo({ center: [68.6, 26.6], zoom: 7 }));
  await idle();
  const themesShown = () => page.evaluate(() => {
    const count = {};
    for (const f of window.indus.map.queryRenderedFeatures()) {
      const t = f.layer.metadata && f.layer.metadata['indus:theme'];
      if (t) count[t] = (count[t] || 0) + 1;
    }
    return count;
  });
  const before = await themesShown();
  result.featuresByTheme = before;
  if (Object.keys(before).length < 4) fail('rendered features of only ' + JSON.stringify(before));

  // Toggling a theme hides its layers.
  await page.click('input[data-theme="hazards"]');
  await idle();
  const off = await themesShown();
  if (off.hazards) fail('hazards still rendered after the toggle: ' + off.hazards);
  if (!off.socioeconomic) fail('other themes vanished with hazards');
  await page.click('input[data-theme="hazards"]');
  await idle();
  if (!(await themesShown()).hazards) fail('hazards not back after the second toggle');

  // A drawn polygon gives the same numbers as /risk/area.
  const poly = [[68.6, 27.5], [69.1, 27.5], [69.1, 27.95], [68.6, 27.95]];
  const report = await page.evaluate((p) => window.indus.drawPolygon(p), poly);
  if (report.error) fail('report error ' + JSON.stringify(report.error));
  const direct = await page.evaluate(async (p) => {
    const r = await fetch('/risk/area', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ geometry: { type: 'Polygon', coordinates: [[...p, p[0]]] } }) });
    return r.json();
  }, poly);
  const pick = (res) => res.hazards.flatMap((h) => h.classes.map((c) => [h.layer, c.class, c.area_km2, c.exposure.villages.population]));
  if (JSON.stringify(pick(report)) !== JSON.stringify(pick(direct))) fail('viewer report differs from /risk/area');
  const shown = await page.$$eval('#report-table tr[data-layer="flood_rp100"] td.population', (tds) => tds.map((td) => td.textContent));
  const expected = direct.hazards.find((h) => h.layer === 'flood_rp100').classes.map((c) => c.exposure.villages.population.toLocaleString('en-US'));
  if (JSON.stringify(shown) !== JSON.stringify(expected)) fail(`table shows ${shown}, /risk/area says ${expected}`);
  const shownIndex = await page.$eval('#risk-index b', (b) => Number(b.dataset.value));
  if (shownIndex !== direct.risk_index.value) fail(`risk index ${shownIndex} vs ${direct.risk_index.value}`);
  result.reportRows = pick(direct).length;
  result.riskIndex = shownIndex;

  // Clicking a feature shows its attributes.
  const clicked = await page.evaluate(() => {
    const m = window.indus.map;
    const f = m.queryRenderedFeatures({ layers: ['villages'] })[0];
    if (!f) return null;
    const p = m.project(f.geometry.coordinates);
    return { x: p.x, y: p.y, id: f.properties.village_id };
  });
  if (!clicked) fail('no village rendered to click');
  const box = await page.$eval('#map', (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y }; });
  await page.mouse.click(box.x + clicked.x, box.y + clicked.y);
  await page.waitForSelector('.maplibregl-popup-content', { timeout: 5000 });
  const popup = await page.$eval('.maplibregl-popup-content', (el) => el.textContent);
  if (!popup.includes('population') || !popup.includes('fibre')) fail('the popup lacks the attributes: ' + popup);
  await page.evaluate(() => document.querySelectorAll('.maplibregl-popup').forEach((p) => p.remove()));
  result.popup = popup.slice(0, 60);

  // The CSV download carries one row per hazard layer and class.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  const csvPath = outDir + '/report.csv';
  await download.saveAs(csvPath);
  const { readFileSync } = await import('node:fs');
  const rows = readFileSync(csvPath, 'utf8').trim().split('\n');
  if (!rows[0].startsWith('hazard_layer,hazard,return_period,class') || rows.length !== 1 + result.reportRows) {
    fail(`CSV has ${rows.length} lines: ${rows[0]}`);
  }

  // A fibre plan from the panel: its numbers are the API's, its links and villages render, and its
  // CSV has a row per step; a province's plan over its village count is refused with the reason.
  await page.waitForSelector('#plan-admin option[value="PK-SD"]', { state: 'attached', timeout: 10000 });
  await page.selectOption('#plan-admin', 'PK-SD');
  await page.click('#plan-run');
  await page.waitForSelector('#plan .error', { timeout: 30000 });
  const refused = await page.$eval('#plan .error', (p) => p.textContent);
  if (!refused.includes('target: above the number of villages')) fail('Sindh plan over its villages: ' + refused);
  await page.selectOption('#plan-admin', '');
  await page.fill('#plan-target', '30000');
  await page.fill('#plan-flood', '1');
  await page.click('#plan-run');
  await page.waitForSelector('#plan-summary', { timeout: 30000 });
  const planAPI = await page.evaluate(async () => {
    const r = await fetch('/plan/fibre', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ target: 30000, weights: { flood: 1, backbone: 1 } }) });
    return r.json();
  });
  const shownPlan = await page.$$eval('#plan-summary [data-key]', (els) => els.map((e) => [e.dataset.key, Number(e.dataset.value), e.textContent]));
  const sm = planAPI.summary;
  const wantPlan = {
    villages_connected: [sm.connected_after - sm.connected_before, (sm.connected_after - sm.connected_before).toLocaleString('en-US')],
    people_connected: [sm.people_connected, sm.people_connected.toLocaleString('en-US')],
    cable_km: [sm.cable_km, sm.cable_km.toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' km'],
    flood_zone_share_before: [sm.flood_zone_share_before, (100 * sm.flood_zone_share_before).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' %'],
    flood_zone_share_after: [sm.flood_zone_share_after, (100 * sm.flood_zone_share_after).toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' %'],
  };
  if (shownPlan.length !== 5) fail('plan summary rows: ' + JSON.stringify(shownPlan));
  for (const [key, value, text] of shownPlan) {
    if (value !== wantPlan[key][0] || text !== wantPlan[key][1]) fail(`plan ${key}: panel ${value} "${text}", API ${wantPlan[key][0]} "${wantPlan[key][1]}"`);
  }
  await idle();
  const planDrawn = await page.evaluate(() => ({
    links: window.indus.map.queryRenderedFeatures({ layers: ['fibre-plan-links'] }).length,
    villages: window.indus.map.queryRenderedFeatures({ layers: ['fibre-plan-villages'] }).length,
  }));
  if (!planDrawn.links || !planDrawn.villages) fail('the plan is not drawn: ' + JSON.stringify(planDrawn));
  const [planDownload] = await Promise.all([page.waitForEvent('download'), page.click('#plan-csv')]);
  await planDownload.saveAs(outDir + '/plan.csv');
  const planRows = readFileSync(outDir + '/plan.csv', 'utf8').trim().split('\n');
  if (!planRows[0].startsWith('order,phase,village_id') || planRows.length !== 1 + planAPI.steps.length) fail(`plan CSV has ${planRows.length} lines`);
  result.plan = { steps: planAPI.steps.length, peopleConnected: sm.people_connected, cableKm: Math.round(sm.cable_km), drawn: planDrawn };

  // A posted warning appears on the map.
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const post = await fetch(base + '/warnings/readings', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + apiKey },
    body: JSON.stringify({ station: 'SKR', observed: now, discharge_cusecs: 700000 }) });
  if (post.status !== 200) fail('posting a reading: ' + post.status + ' ' + (await post.text()));
  await page.waitForFunction(() => window.indus.warnings.size > 0, null, { timeout: 20000 });
  await idle();
  const drawn = await page.evaluate(() => window.indus.map.queryRenderedFeatures({ layers: ['live-warnings-fill'] }).length);
  if (!drawn) fail('the warning is not drawn');
  const listed = await page.$eval('#warning-list', (ul) => ul.textContent);
  if (!listed.includes('Sukkur')) fail('the warning is not listed: ' + listed);
  const impactShown = await page.$eval('#warning-list .impact', (e) => Number(e.dataset.people));
  const active = await (await fetch(base + '/warnings?status=active')).json();
  if (impactShown !== active.warnings[0].impact.exposed_population) fail(`warning impact ${impactShown} vs ${active.warnings[0].impact.exposed_population}`);
  result.warningFeatures = drawn;

  await page.$eval('#panel', (p) => { p.scrollTop = p.scrollHeight; }); // the plan and the warning's impact in view
  await page.screenshot({ path: outDir + '/viewer.png' });

  // A PMTiles archive read through the pmtiles:// protocol: its layers render over the lower Indus.
  if (archiveURL) {
    await page.evaluate(() => { for (const t of window.indus.catalog.themes) window.indus.setThemeVisible(t.id, false); });
    const ids = await page.evaluate((u) => window.indus.addArchive(u), archiveURL);
    await page.evaluate(() => window.indus.map.jumpTo({ center: [68.4, 26.2], zoom: 8 }));
    await idle();
    const fromArchive = await page.evaluate((ids) => {
      const count = {};
      for (const f of window.indus.map.queryRenderedFeatures({ layers: ids })) {
        if (!f.layer.source.startsWith('pmtiles-')) continue;
        count[f.sourceLayer] = (count[f.sourceLayer] || 0) + 1;
      }
      return count;
    }, ids);
    result.pmtilesFeatures = fromArchive;
    if (!fromArchive.flood_rp100 || !fromArchive.villages) fail('archive features not rendered: ' + JSON.stringify(fromArchive));
    await page.screenshot({ path: outDir + '/pmtiles.png' });
  }
  // the one refused plan (a 400 on purpose) is the only failed request allowed
  const bad = consoleErrors.filter((e) => !/favicon/.test(e) && !/status of 400 .*\/plan\/fibre$/.test(e));
  if (bad.length) fail('console errors: ' + bad.join(' | '));
  console.log(JSON.stringify(result));
} catch (e) {
  if (!process.exitCode) { console.error(e); process.exitCode = 1; }
} finally {
  await browser.close();
}
