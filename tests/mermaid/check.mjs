// Parses every ```mermaid block of the given Markdown files with the Mermaid version pinned in
// package.json (the one GitLab bundles), inside headless Chromium, and exits non-zero when any
// block fails to parse, when a file holds no block, or when a block is not the diagram type
// expected (`--type xychart` by default: the roll-up's charts).
//
//   node check.mjs [--expect-failure] [--type NAME] FILE...
//
// With --expect-failure the exit status is inverted: it succeeds only if every block fails, which
// is how scripts/check-mermaid proves that the check can fail at all.
//
// Chromium: $CHROMIUM, else /usr/bin/chromium (never a downloaded browser).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const mermaidScript = require.resolve('mermaid/dist/mermaid.min.js');

function parseArgs(argv) {
  const opts = { expectFailure: false, type: 'xychart', files: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect-failure') opts.expectFailure = true;
    else if (a === '--type') opts.type = argv[++i];
    else opts.files.push(a);
  }
  return opts;
}

/** Every ```mermaid … ``` block of a Markdown text, with the line it starts on. */
function blocks(markdown) {
  const out = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== '```mermaid') continue;
    const start = i + 1;
    const body = [];
    for (i = start; i < lines.length && lines[i].trim() !== '```'; i++) body.push(lines[i]);
    out.push({ line: start, source: body.join('\n') });
  }
  return out;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.files.length === 0) {
    console.error('check.mjs: give the Markdown files to check');
    process.exit(2);
  }
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox'],
  });
  let failures = 0;
  let checked = 0;
  try {
    const page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: mermaidScript });
    const version = await page.evaluate(() => {
      window.mermaid.initialize({ startOnLoad: false });
      return window.mermaid.mermaidAPI.getConfig ? 'loaded' : 'missing';
    });
    if (version !== 'loaded') throw new Error('mermaid did not load in the page');
    for (const file of opts.files) {
      const found = blocks(readFileSync(file, 'utf8'));
      if (found.length === 0) {
        console.error(`${file}: no mermaid block`);
        failures++;
        continue;
      }
      for (const b of found) {
        checked++;
        const result = await page.evaluate(async (src) => {
          try {
            await window.mermaid.parse(src);
            const type = window.mermaid.mermaidAPI.getDiagramFromText
              ? (await window.mermaid.mermaidAPI.getDiagramFromText(src)).type
              : null;
            return { ok: true, type };
          } catch (e) {
            return { ok: false, error: String((e && e.message) || e) };
          }
        }, b.source);
        if (!result.ok) {
          console.error(`${file}:${b.line}: mermaid cannot parse this block: ${result.error}`);
          failures++;
        } else if (opts.type && result.type && result.type !== opts.type) {
          console.error(`${file}:${b.line}: a ${result.type} diagram, expected ${opts.type}`);
          failures++;
        } else {
          console.log(`${file}:${b.line}: ok (${result.type ?? 'parsed'})`);
        }
      }
    }
  } finally {
    await browser.close();
  }
  console.log(`${checked} mermaid blocks checked, ${failures} failed`);
  if (opts.expectFailure) {
    const all = checked > 0 && failures === checked;
    if (!all) console.error('--expect-failure: some block parsed, but every block should fail');
    process.exit(all ? 0 : 1);
  }
  process.exit(failures > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(`check.mjs: ${e && e.stack ? e.stack : e}`);
  process.exit(2);
});
