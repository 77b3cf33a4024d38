/**
 * Every BPMN file shipped in processes/ opens in bpmn-js: imported into the NavigatedViewer in headless chromium
 * without errors or warnings, and every flow node and sequence flow of the file drawn on the canvas. The same
 * files pass `fiscal-bpm validate` (test/processes/**), so what the designer and the instance viewer show is
 * what the engine runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { findBpmnFiles } from '../../server/cli/bundled-processes.js';
import { CHROMIUM_PATH } from './browser-harness.js';

const PROCESSES_DIR = fileURLToPath(new URL('../../processes/', import.meta.url));
const require = createRequire(import.meta.url);
const VIEWER = require.resolve('bpmn-js/dist/bpmn-navigated-viewer.production.min.js');

interface Opened {
  readonly warnings: string[];
  readonly error: string | null;
  readonly drawn: string[];
}

describe('web: every process diagram in processes/ opens in bpmn-js', function () {
  this.timeout(120_000);
  let browser: Browser;
  let files: string[];
  before(async () => {
    files = await findBpmnFiles(PROCESSES_DIR);
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox'],
    });
  });
  after(async () => browser?.close());

  it('should find the shipped processes', () => {
    assert.ok(files.length >= 10, `only ${files.length} .bpmn files`);
  });

  it('should import each file without warnings and draw each of its flow elements', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    await page.setContent('<div id="canvas" style="width:1300px;height:700px"></div>');
    await page.addScriptTag({ path: VIEWER });
    const failures: string[] = [];
    for (const file of files) {
      const xml = readFileSync(file, 'utf8');
      const expected = [...xml.matchAll(/bpmnElement="([^"]+)"/g)].map((m) => m[1]!);
      // a string expression: no compiled closures in the page
      const opened = (await page.evaluate(`(async () => {
        const viewer = window.__viewer || (window.__viewer = new BpmnJS({ container: '#canvas' }));
        try {
          const result = await viewer.importXML(${JSON.stringify(xml)});
          const drawn = viewer.get('elementRegistry').getAll().map((e) => e.businessObject && e.businessObject.id);
          return { warnings: result.warnings.map((w) => String(w.message)), error: null, drawn };
        } catch (err) {
          return { warnings: [], error: String(err && err.message || err), drawn: [] };
        }
      })()`)) as Opened;
      const name = relative(PROCESSES_DIR, file);
      if (opened.error) failures.push(`${name}: ${opened.error}`);
      if (opened.warnings.length) failures.push(`${name}: ${opened.warnings.join('; ')}`);
      const missing = expected.filter((id) => !opened.drawn.includes(id));
      if (missing.length) failures.push(`${name}: not drawn ${missing.join(', ')}`);
      if (expected.length === 0) failures.push(`${name}: no diagram (run fiscal-bpm layout)`);
    }
    assert.deepEqual(failures, []);
  });
});
