// Browser test of the Web Console's "Media Mesh" tab, in Debian's headless chromium driven by playwright-core.
// Run by ConsoleBrowserIT (which starts the appliance); can also be run by hand against a running proxy:
//   MCM_CONSOLE_URL=http://127.0.0.1:18180 MCM_CONSOLE_PASSWORD=... MCM_SENDER=/path/to/bin/mcm-sender \
//   MCM_SDK_PORT=18102 node console-test.mjs
// Steps: log in; see a session appear while an SDK sender runs, with a frame rate; stop the transport bundle with
// the tab's button and see the session change state; start it again; create a receiver from an SDP and delete
// it; keep screenshots. Exits non-zero on the first failed step.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { chromium } from 'playwright-core';

const base = (process.env.MCM_CONSOLE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
const user = process.env.MCM_CONSOLE_USER || 'admin';
const password = process.env.MCM_CONSOLE_PASSWORD;
const sender = process.env.MCM_SENDER;
const sdkPort = process.env.MCM_SDK_PORT || '8002';
const shot = process.env.MCM_SCREENSHOT || 'target/console.png';
const executablePath = process.env.MCM_CHROMIUM || '/usr/bin/chromium';
const STEP_TIMEOUT = 20000;

if (!password || !sender) {
  console.error('MCM_CONSOLE_PASSWORD and MCM_SENDER must be set');
  process.exit(2);
}

let step = 'start';
function log(msg) {
  console.log(`[console-test] ${msg}`);
}
function begin(name) {
  step = name;
  log(`step: ${name}`);
}

const auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
const plugin = `${base}/system/console/mcm`;
const profile = mkdtempSync(join(tmpdir(), 'mcm-chromium-'));
let context;
let senderProc;
const pageErrors = [];
const foreignRequests = [];

async function main() {
  begin('the console refuses requests without credentials');
  let r = await fetch(`${plugin}/data.json`);
  if (r.status !== 401) {
    throw new Error(`data.json without credentials: HTTP ${r.status}, expected 401`);
  }
  begin('changes are POST only, and refused from another origin');
  r = await fetch(`${plugin}/action?action=stop&bundle=1`, { headers: { Authorization: auth } });
  if (r.status !== 405) {
    throw new Error(`GET action: HTTP ${r.status}, expected 405`);
  }
  r = await fetch(`${plugin}/action`, {
    method: 'POST',
    headers: { Authorization: auth, Origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'action=delete&id=1'
  });
  if (r.status !== 403) {
    throw new Error(`cross-origin POST: HTTP ${r.status}, expected 403`);
  }

  begin('launch chromium');
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    httpCredentials: { username: user, password },
    viewport: { width: 1400, height: 1500 }
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) {
      foreignRequests.push(u);
    }
  });

  begin('log in and open the Media Mesh tab');
  const resp = await page.goto(`${base}/system/console/bundles`);
  if (!resp || resp.status() !== 200) {
    throw new Error(`console: HTTP ${resp && resp.status()}`);
  }
  // Web Console 5 groups plugins by category in the top menu: open "MCM", then its "Media Mesh" entry
  await page.locator('#navmenu').getByText('MCM', { exact: true }).hover();
  await page.locator('#navmenu a[href$="/system/console/mcm"]').click();
  await page.waitForURL(/\/system\/console\/mcm$/);
  await page.waitForSelector('#mcm-root[data-updated]');
  const localRow = page.locator('#mcm-transports tr[data-protocols~="local"]');
  await localRow.waitFor();
  await expectText(localRow.locator('td.state'), 'ACTIVE');
  const before = await page.locator('#mcm-sessions tbody tr').evaluateAll((rows) => rows.map((tr) => tr.getAttribute('data-id')));

  begin('start an SDK sender and see its session appear');
  senderProc = spawn(sender, ['-t', 'local', '-r', '127.0.0.1:9100', '-P', sdkPort, '-w', '640', '-h', '360', '-f', '30', '-q'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  senderProc.stdout.on('data', (d) => process.stdout.write(`[mcm-sender] ${d}`));
  senderProc.stderr.on('data', (d) => process.stdout.write(`[mcm-sender] ${d}`));
  const sessionRow = page.locator('#mcm-sessions tbody tr').filter({ hasText: 'local' })
    .filter({ has: page.locator('td.state', { hasText: /^ACTIVE$/ }) }).first();
  await sessionRow.waitFor();
  const id = await sessionRow.getAttribute('data-id');
  if (before.includes(id)) {
    throw new Error(`session ${id} was there before the sender started`);
  }
  log(`session ${id} is ACTIVE`);
  await expectText(sessionRow.locator('td.direction'), 'TX');
  await expectText(sessionRow.locator('td.format'), /640x360@30/);
  await page.waitForFunction((sid) => {
    const td = document.querySelector(`#mcm-sessions tr[data-id="${sid}"] td.fps`);
    return td && parseFloat(td.textContent) > 5;
  }, id);
  await expectText(localRow.locator('td.active'), /^[1-9]/);
  await expectText(sessionRow.locator('td.latency'), /(µs|ms)$/);
  await expectText(page.locator('#mcm-codecs tbody tr td.name').first(), 'jpegxs');
  const fps = await sessionRow.locator('td.fps').textContent();
  const bitrate = await sessionRow.locator('td.bitrate').textContent();
  log(`session ${id}: ${fps} fps, ${bitrate}`);
  await page.waitForTimeout(5000); // a few chart points
  // the throughput chart draws the session's line: coloured pixels in the plot area right of the legend
  const drawn = await page.evaluate(() => {
    const c = document.getElementById('mcm-chart-throughput');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const ratio = window.devicePixelRatio || 1;
    const fromX = Math.round((54 + 30) * ratio);
    let n = 0;
    for (let y = 0; y < c.height; y++) {
      for (let x = fromX; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        if (d[i + 3] > 0 && Math.abs(d[i] - d[i + 1]) + Math.abs(d[i + 1] - d[i + 2]) > 60) {
          n++;
        }
      }
    }
    return n;
  });
  if (drawn < 20) {
    throw new Error(`throughput chart shows no line for the running session (${drawn} coloured pixels)`);
  }
  log(`throughput chart: ${drawn} coloured pixels`);
  const shotActive = shot.replace(/\.png$/, '-active.png');
  mkdirSync(dirname(shotActive), { recursive: true });
  await page.screenshot({ path: shotActive, fullPage: true });
  log(`screenshot ${shotActive}`);

  begin('stop the local transport bundle with its button; the session changes state');
  await localRow.locator('button.mcm-stop').click();
  const sid = page.locator(`#mcm-sessions tr[data-id="${id}"]`);
  await expectText(sid.locator('td.state'), 'TRANSPORT_GONE');
  await expectText(localRow.locator('td.state'), 'RESOLVED');
  await expectText(page.locator('#mcm-message'), /stop org\.mcm\.transport\.local: done/);
  const reason = await sid.locator('td.reason').textContent();
  log(`session ${id}: TRANSPORT_GONE (${reason})`);
  // at once: the sender exits when its data path ends, and the proxy then deletes the sessions it had created
  await page.screenshot({ path: shot, fullPage: true });
  log(`screenshot ${shot}`);

  begin('start the transport bundle again');
  await localRow.locator('button.mcm-start').click();
  await expectText(localRow.locator('td.state'), 'ACTIVE');

  begin('create a receiver from an SDP and delete it');
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=console test', 'c=IN IP4 127.0.0.1', 't=0 0',
    'm=video 25000 RTP/AVP 96', 'a=rtpmap:96 raw/90000',
    'a=fmtp:96 sampling=YCbCr-4:2:2; width=640; height=360; exactframerate=30; depth=10; colorimetry=BT709; PM=2110GPM; SSN=ST2110-20:2017; TP=2110TPN',
    ''].join('\r\n');
  await page.locator('#mcm-sdp').fill(sdp);
  await page.locator('#mcm-create-button').click();
  await expectText(page.locator('#mcm-message'), /session \d+ created/);
  const created = page.locator('#mcm-sessions tbody tr').filter({ hasText: 'console:' + user }).first();
  await created.waitFor();
  const rxId = await created.getAttribute('data-id');
  await expectText(created.locator('td.direction'), 'RX');
  await expectText(created.locator('td.transport'), 'st2110-20');
  log(`receiver session ${rxId} created from the SDP`);
  await created.locator('button.mcm-delete').click();
  await page.locator(`#mcm-sessions tr[data-id="${rxId}"]`).waitFor({ state: 'detached' });
  log(`receiver session ${rxId} deleted`);

  if (process.env.MCM_UPLOAD_JAR) {
    begin('upload a transport bundle (hot deploy from the tab)');
    await page.locator('#mcm-upload-file').setInputFiles(process.env.MCM_UPLOAD_JAR);
    await page.locator('#mcm-upload-button').click();
    await expectText(page.locator('#mcm-message'), /installed org\.mcm\.itests\.transport\.console-up/);
    const uploaded = page.locator('#mcm-transports tbody tr').filter({ hasText: 'console-up' }).first();
    await uploaded.waitFor();
    await expectText(uploaded.locator('td.state'), 'ACTIVE');
    log('uploaded transport bundle is active and listed');
  }

  begin('the Configuration tab offers every configurable component (Metatype)');
  await page.goto(`${base}/system/console/configMgr`);
  for (const name of ['MCM SDK port', 'MCM gRPC control plane', 'MCM data plane', 'MCM Session Manager',
    'MCM ST 2110 transports']) {
    await page.getByText(name, { exact: false }).first().waitFor({ timeout: STEP_TIMEOUT });
  }
  await page.getByText('MCM SDK port', { exact: false }).first().click();
  // the Metatype form of the SDK port: its attributes with their current values
  await page.getByText('Client authentication policy', { exact: false }).first().waitFor({ timeout: STEP_TIMEOUT });
  log('configuration forms of the MCM components are listed');

  begin('no script errors, nothing fetched from elsewhere');
  if (pageErrors.length) {
    throw new Error('script errors: ' + pageErrors.join('; '));
  }
  if (foreignRequests.length) {
    throw new Error('requests outside the console: ' + foreignRequests.join(', '));
  }
}

async function expectText(locator, expected) {
  const deadline = Date.now() + STEP_TIMEOUT;
  let last;
  while (Date.now() < deadline) {
    last = (await locator.textContent({ timeout: STEP_TIMEOUT }))?.trim();
    if (typeof expected === 'string' ? last === expected : expected.test(last)) {
      return last;
    }
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error(`expected ${expected}, still "${last}"`);
}

let failed = false;
try {
  await main();
  log('PASS');
} catch (e) {
  failed = true;
  console.error(`[console-test] FAIL in step "${step}": ${e && e.stack ? e.stack : e}`);
  if (context) {
    try {
      const p = context.pages()[0];
      if (p) {
        await p.screenshot({ path: shot.replace(/\.png$/, '-failure.png'), fullPage: true });
      }
    } catch (ignored) {
      // best effort
    }
  }
} finally {
  if (senderProc && senderProc.exitCode === null) {
    senderProc.kill('SIGTERM');
  }
  if (context) {
    await context.close().catch(() => {});
  }
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
