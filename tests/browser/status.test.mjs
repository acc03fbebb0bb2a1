// The status page in a real browser: starts `steward demo --serve` (the GitLab simulator and a
// real Steward over loopback; the demo files a confidential request and one whose title is
// markup and @all), opens the page in Debian's Chromium through playwright-core, checks what a
// viewer without the token sees, searches for an issue, and saves screenshots (paths printed).
//
// Run by scripts/browser-test (which .ci/run calls). Environment:
//   STEWARD_BIN     the steward binary (default: target/debug/steward)
//   CHROMIUM        the browser (default: /usr/bin/chromium)
//   SCREENSHOT_DIR  where screenshots go (default: target/browser)
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.STEWARD_BIN || path.join(root, 'target/debug/steward');
const browserPath = process.env.CHROMIUM || '/usr/bin/chromium';
const shots = path.resolve(process.env.SCREENSHOT_DIR || path.join(root, 'target/browser'));

// As filed by src/demo/serve.rs (HOSTILE_TITLE, CONFIDENTIAL_TITLE).
const HOSTILE =
  "<script>document.title='pwned'</script><img src=x onerror=alert(1)> @all urgent press quote";
const CONFIDENTIAL = 'Northwind Bank speaker request (under NDA)';

let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}

// Starts the demo and resolves with the status page's base URL and the two issues' numbers.
function startDemo() {
  const demo = spawn(bin, ['demo', '--serve', '--status-listen', '127.0.0.1:0'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no status URL within 240 s:\n${out}`)), 240_000);
    demo.on('exit', (code) => reject(new Error(`steward demo exited (${code}):\n${out}`)));
    demo.stdout.on('data', (chunk) => {
      out += chunk;
      const url = out.match(/Status page: (http:\/\/127\.0\.0\.1:\d+)\/status/);
      const filed = out.match(/Also filed: #(\d+) \(confidential\) and #(\d+)/);
      const project = out.match(/issue=(\d+)%23/);
      if (url && filed && project && out.includes('Serving until Ctrl-C.')) {
        clearTimeout(timer);
        resolve({ base: url[1], confidential: filed[1], hostile: filed[2], project: project[1] });
      }
    });
  });
  return { demo, ready };
}

async function main() {
  mkdirSync(shots, { recursive: true });
  const { demo, ready } = startDemo();
  let browser;
  try {
    const { base, confidential, hostile, project } = await ready;
    console.log(`steward demo --serve: status page at ${base}/status`);
    browser = await chromium.launch({
      executablePath: browserPath,
      headless: true,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dialogs = [];
    page.on('dialog', async (d) => {
      dialogs.push(d.message());
      await d.dismiss();
    });

    // The overview.
    const response = await page.goto(`${base}/status`);
    check(response.status() === 200, 'GET /status answers 200 without a token on loopback');
    check(
      (response.headers()['content-security-policy'] || '').includes("default-src 'none'"),
      'the page forbids every script by its Content-Security-Policy',
    );
    check((await page.title()) === 'Steward status', 'the page is titled "Steward status"');
    const pending = (await page.locator('#pending').textContent()).trim();
    const dead = (await page.locator('#dead').textContent()).trim();
    check(/^\d+$/.test(pending) && /^\d+$/.test(dead), `queue depth shown (pending ${pending}, dead ${dead})`);
    const decisions = page.locator('#decisions-table');
    check(
      (await decisions.getByRole('link', { name: `${project}#${hostile}`, exact: true }).count()) === 1,
      `recent decisions list ${project}#${hostile} once, linked to its explanation`,
    );
    check(
      (await decisions.getByRole('link', { name: `${project}#${confidential}`, exact: true }).count()) === 1,
      `recent decisions list the confidential ${project}#${confidential} by reference`,
    );
    const chart = page.locator('#deliveries + svg');
    check((await chart.locator('rect.bar').count()) === 24, 'the delivery chart has one bar per hour');
    const label = (await chart.getAttribute('aria-label')) || '';
    check(/^[1-9]\d* webhook deliveries/.test(label), `the chart counts the demo's deliveries (${label})`);
    const body = await page.locator('body').innerText();
    check(!body.includes(CONFIDENTIAL), 'the confidential title is not on the overview');
    for (const section of ['Queue', 'Sweeps and digests', 'Missing labels', 'GitLab', 'Recent decisions']) {
      check(body.includes(section), `the overview has its "${section}" section`);
    }
    const overviewShot = path.join(shots, 'status.png');
    await page.screenshot({ path: overviewShot, fullPage: true });
    console.log(`screenshot: ${overviewShot}`);

    // Search for the hostile issue: its title is shown as text, and nothing in it runs.
    await page.fill('#issue', `#${hostile}`);
    await Promise.all([page.waitForURL(/\/status\/explain\?issue=/), page.click('button[type=submit]')]);
    const shown = await page.locator('#issue-title').textContent();
    check(shown === HOSTILE, 'the hostile title is shown as the text it is');
    check((await page.locator('#issue-title img, #issue-title script').count()) === 0, 'no element was made of it');
    check((await page.title()) !== 'pwned' && !(await page.title()).includes('pwned'), 'its script did not run');
    check(dialogs.length === 0, `no alert was raised (${dialogs.length})`);
    const rules = await page.locator('#rules').innerText();
    check(rules.includes('intake-press'), 'the explanation names the rules that match now');
    const now = await page.locator('#now').innerText();
    check(/advocacy-program::press\s+by rule/.test(now), 'each label says which rule set it');
    const explainShot = path.join(shots, 'status-explain.png');
    await page.screenshot({ path: explainShot, fullPage: true });
    console.log(`screenshot: ${explainShot}`);

    // The confidential issue, from a link on the overview: no title for a viewer without the token.
    await page.goto(`${base}/status`);
    await Promise.all([
      page.waitForURL(/\/status\/explain\?issue=/),
      decisions.getByRole('link', { name: `${project}#${confidential}`, exact: true }).click(),
    ]);
    const confidentialPage = await page.locator('body').innerText();
    check(!confidentialPage.includes(CONFIDENTIAL), 'the confidential title is not on its explanation');
    check(
      (await page.locator('#issue-title').textContent()).includes('confidential issue'),
      'its explanation says the title is withheld',
    );

    // A reference that is not one is answered with what to write.
    const bad = await page.goto(`${base}/status/explain?issue=${encodeURIComponent('<b>x</b>')}`);
    check(bad.status() === 400, 'a malformed reference gets 400');
    check((await page.locator('#problem').textContent()).includes('PROJECT#IID'), 'with what to write instead');
  } finally {
    if (browser) await browser.close();
    demo.kill('SIGTERM');
  }
  if (failures > 0) {
    console.error(`${failures} browser check(s) failed`);
    process.exit(1);
  }
  console.log('browser test passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
