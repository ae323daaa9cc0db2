// Conformance data for our chat-template interpreter from the real chat templates in @huggingface/jinja's own
// end-to-end suite (huggingface/huggingface.js, packages/jinja/test/e2e.test.js): the templates and their inputs are
// read from a checkout or mirror of that repository, rendered here with @huggingface/jinja from npm (the version
// transformers.js uses), and written to .cache/jinja-e2e/cases.json, which the C# test
// JinjaE2eConformanceTests renders again and compares byte for byte.
//
// The suite is not ours, so neither it nor anything taken from it is committed; the cache is made on a machine
// that has the repository:
//   node tools/peer/jinja-e2e-golden.mjs [path to huggingface.js, a work tree or a bare git directory]
// (default: $HUGGINGFACE_JS, else /work/.mirror/huggingface+huggingface.js/repo). HUB_JINJA_E2E, or a copy at
// ../shared/jinja-e2e/cases.json beside the repository, is read by the test instead when set or present.
import fs from 'node:fs';
import path from 'node:path';
import url from 'node:url';
import vm from 'node:vm';
import { execFileSync } from 'node:child_process';
import { Template } from '@huggingface/jinja';

const root = path.resolve(path.dirname(url.fileURLToPath(import.meta.url)), '..', '..');
const source = process.argv[2] ?? process.env.HUGGINGFACE_JS ?? '/work/.mirror/huggingface+huggingface.js/repo';
const suitePath = 'packages/jinja/test/e2e.test.js';

function readSuite() {
  const inTree = path.join(source, suitePath);
  if (fs.existsSync(inTree)) return { text: fs.readFileSync(inTree, 'utf8'), revision: 'work tree' };
  const git = (...args) => execFileSync('git', ['--git-dir', source, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { text: git('show', `HEAD:${suitePath}`), revision: git('rev-parse', 'HEAD').trim() };
}

// Only the data declarations are evaluated (in an empty context): the suite's imports and test bodies are cut off.
function suiteData(text) {
  const start = text.indexOf('const EXAMPLE_CHAT');
  const end = text.search(/\n\/\*\*\n \* Formatting tests|\nfunction render\(/);
  if (start < 0 || end < 0) throw new Error(`${suitePath} no longer has the shape this script reads`);
  const body = text.slice(start, end) + '\n({ TEST_DEFAULT_TEMPLATES, TEST_CUSTOM_TEMPLATES });';
  return vm.runInNewContext(body, { JSON, Object }, { timeout: 5000 });
}

// The suite renders at a fixed time (vi.setSystemTime); so do we, in UTC.
const FixedNow = Date.parse('2025-07-10T12:00:00.000Z');
class FixedDate extends Date {
  constructor(...args) { super(...(args.length ? args : [FixedNow])); }
  static now() { return FixedNow; }
}

const { text, revision } = readSuite();
const data = suiteData(text);
globalThis.Date = FixedDate;
const cases = [];
for (const [group, entries] of [['default', data.TEST_DEFAULT_TEMPLATES], ['custom', data.TEST_CUSTOM_TEMPLATES]]) {
  for (const [name, { chat_template, data: variables, target }] of Object.entries(entries)) {
    const entry = { name: `${group}/${name}`, template: chat_template, variables, suite_target: target };
    try {
      entry.output = new Template(chat_template).render(variables);
    } catch (e) {
      entry.error = String(e.message ?? e);
    }
    cases.push(entry);
  }
}
const jinja = JSON.parse(fs.readFileSync(path.join(path.dirname(url.fileURLToPath(import.meta.resolve('@huggingface/jinja'))), '..', 'package.json'), 'utf8'));
const outDir = path.join(root, '.cache', 'jinja-e2e');
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'cases.json'), JSON.stringify({
  suite: `huggingface/huggingface.js ${suitePath} at ${revision}`,
  peer: `@huggingface/jinja ${jinja.version}`,
  now: new FixedDate().toISOString(),
  cases,
}, null, 1) + '\n');
const rendered = cases.filter((c) => 'output' in c);
const agree = rendered.filter((c) => c.output === c.suite_target).length;
console.log(`.cache/jinja-e2e/cases.json: ${cases.length} templates, ${rendered.length} rendered by @huggingface/jinja ${jinja.version} `
  + `(${agree} equal to the suite's own target), ${cases.length - rendered.length} refused`);
