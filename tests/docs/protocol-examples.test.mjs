// PROTOCOL.md's examples are checked against the JSON Schemas in native-host/protocol/schema/.
//
// An example is a ```json fence whose previous line is `<!-- example: <type> <kind> -->`:
//   envelope request | envelope reply   -> envelope.request / envelope.reply
//   <type> request   -> <type>.request (the payload; a whole envelope is also accepted, then both are checked)
//   <type> result    -> <type>.result  (the result; a success envelope is also accepted)
//   <type> reply     -> envelope.reply, and its result against <type>.result when ok
// Every ```json fence must be labelled, every label must have its schema, and every schema must
// compile under draft 2020-12 (unknown keywords are errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const protocolDir = path.join(root, 'native-host', 'protocol');
const schemaDir = path.join(protocolDir, 'schema');
const protocolPath = process.env.CW_PROTOCOL_MD || path.join(protocolDir, 'PROTOCOL.md');
const kDraft = 'https://json-schema.org/draft/2020-12/schema';

export function extractExamples(markdown) {
  const lines = markdown.split('\n');
  const examples = [];
  const unlabelled = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*```json\s*$/.test(lines[i])) continue;
    const label = /^\s*<!--\s*example:\s*(\S+)\s+(request|result|reply)\s*-->\s*$/.exec(lines[i - 1] ?? '');
    let end = i + 1;
    while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
    const text = lines.slice(i + 1, end).join('\n');
    if (label) examples.push({ type: label[1], kind: label[2], line: i + 1, text });
    else unlabelled.push(i + 1);
    i = end;
  }
  return { examples, unlabelled };
}

function loadSchemas() {
  // Unknown keywords and bad numbers are errors (strictSchema, strictNumbers). `required` names
  // that another subschema defines are valid 2020-12, so strictRequired/strictTypes stay off.
  const ajv = new Ajv2020({ strictSchema: true, strictNumbers: true, strictTypes: false, strictTuples: false, strictRequired: false, allErrors: true });
  addFormats(ajv);
  const validators = new Map();
  const problems = [];
  for (const file of fs.readdirSync(schemaDir).filter((f) => f.endsWith('.json')).sort()) {
    const m = /^(.+)\.(request|result|reply)\.schema\.json$/.exec(file);
    if (!m) {
      problems.push(`${file}: name is not <type>.(request|result|reply).schema.json`);
      continue;
    }
    try {
      const schema = JSON.parse(fs.readFileSync(path.join(schemaDir, file), 'utf8'));
      if (schema.$schema !== kDraft) problems.push(`${file}: $schema is not draft 2020-12`);
      validators.set(`${m[1]} ${m[2]}`, ajv.compile(schema));
    } catch (e) {
      problems.push(`${file}: ${e.message}`);
    }
  }
  return { validators, problems };
}

const { validators, problems } = loadSchemas();

function check(key, value, where) {
  const validate = validators.get(key);
  if (!validate) return [`${where}: no schema ${key.replace(' ', '.')}.schema.json`];
  if (validate(value)) return [];
  return validate.errors.map((e) => `${where}: ${key}: ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

export function validateExample(example) {
  const where = `PROTOCOL.md:${example.line} (${example.type} ${example.kind})`;
  let value;
  try {
    value = JSON.parse(example.text);
  } catch (e) {
    return [`${where}: not JSON: ${e.message}`];
  }
  const { type, kind } = example;
  if (type === 'envelope') return check(`envelope ${kind === 'result' ? 'reply' : kind}`, value, where);
  const isEnvelope = value && typeof value === 'object' && 'id' in value;
  if (kind === 'request') {
    if (isEnvelope && value.type === type) {
      return [...check('envelope request', value, where), ...check(`${type} request`, value.payload ?? {}, where)];
    }
    return check(`${type} request`, value, where);
  }
  if (kind === 'result' && !isEnvelope) return check(`${type} result`, value, where);
  const errors = check('envelope reply', value, where);
  if (value.ok === true) errors.push(...check(`${type} result`, value.result, where));
  return errors;
}

// Coverage (every served type documented, every schema with examples) fails only when
// CW_DOCS_STRICT=1; otherwise gaps are reported as TODO, so work in progress elsewhere in the tree
// does not fail the build while the examples that exist are always checked strictly.
const strictCoverage = process.env.CW_DOCS_STRICT === '1';
function coverage(t, gaps, what) {
  if (gaps.length > 0 && !strictCoverage) t.todo(`${what}: ${gaps.join(', ')}`);
  assert.deepEqual(gaps, [], what);
}

const markdown = fs.readFileSync(protocolPath, 'utf8');
const { examples, unlabelled } = extractExamples(markdown);

test('every schema file compiles under draft 2020-12 (unknown keywords are errors)', () => {
  assert.deepEqual(problems, []);
  assert.ok(validators.has('envelope request') && validators.has('envelope reply'));
});

test('every ```json fence in PROTOCOL.md is a labelled example', () => {
  assert.deepEqual(unlabelled.map((line) => `PROTOCOL.md:${line}`), [], 'label each with <!-- example: <type> request|result|reply -->');
  assert.ok(examples.length >= 3);
});

test('every PROTOCOL.md example validates against its schema', () => {
  assert.deepEqual(examples.flatMap(validateExample), []);
});

test('each message type with a schema has both a request and a result schema, and examples of both', (t) => {
  const types = new Set([...validators.keys()].map((k) => k.split(' ')[0]).filter((t) => t !== 'envelope'));
  const missing = [];
  for (const type of types) {
    for (const kind of ['request', 'result']) {
      if (!validators.has(`${type} ${kind}`)) missing.push(`${type}.${kind}.schema.json`);
      const hasExample = examples.some((e) => e.type === type && (e.kind === kind || (kind === 'result' && e.kind === 'reply')));
      if (!hasExample) missing.push(`example: ${type} ${kind}`);
    }
  }
  coverage(t, missing, 'schemas or examples missing');
});

test('the checker catches what it must', () => {
  // A wrong field type, a missing schema, broken JSON and an unlabelled fence are all reported.
  assert.notDeepEqual(validateExample({ type: 'envelope', kind: 'request', line: 1, text: '{"id": [], "type": "ping"}' }), []);
  assert.notDeepEqual(validateExample({ type: 'no.such', kind: 'request', line: 1, text: '{}' }), []);
  assert.notDeepEqual(validateExample({ type: 'ping', kind: 'result', line: 1, text: '{"version": ' }), []);
  const doc = '<!-- example: ping request -->\n```json\n{}\n```\n\n```json\n{}\n```\n';
  const parsed = extractExamples(doc);
  assert.equal(parsed.examples.length, 1);
  assert.deepEqual(parsed.unlabelled, [6]);
});

// The real host: every type it serves is documented, and its actual replies match the schemas.
const hostBinary = process.env.CW_HOST_BINARY;

function frame(message) {
  const body = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length);
  return Buffer.concat([header, body]);
}

async function askHost(messages, env = process.env) {
  const child = spawn(hostBinary, ['chrome-extension://mhmffaebdaaenapifkopmidmkdhkglmn/'], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stdin.end(Buffer.concat(messages.map(frame)));
  await new Promise((resolve) => child.on('close', resolve));
  const out = Buffer.concat(chunks);
  const replies = [];
  for (let at = 0; at + 4 <= out.length; ) {
    const length = out.readUInt32LE(at);
    replies.push(JSON.parse(out.subarray(at + 4, at + 4 + length).toString('utf8')));
    at += 4 + length;
  }
  return replies;
}

test('every type the host serves has schemas, and its real replies validate', { skip: !hostBinary && 'CW_HOST_BINARY not set' }, async (t) => {
  const [ping, unknown] = await askHost([
    { id: 1, type: 'ping', payload: {} },
    { id: 'r-2', type: 'page.explode', payload: {} },
  ]);
  assert.deepEqual(check('envelope reply', ping, 'host ping'), []);
  assert.deepEqual(check('ping result', ping.result, 'host ping'), []);
  assert.deepEqual(check('envelope reply', unknown, 'host unknown type'), []);
  assert.equal(unknown.error.name, 'UNKNOWN_TYPE');
  const undocumented = ping.result.types.filter((t) => !validators.has(`${t} request`) || !validators.has(`${t} result`));
  coverage(t, undocumented, 'message types without request and result schemas');
});

// The request examples are executable: each is sent to the real host (with an empty archive in a
// temporary CLAUSEWATCH_HOME), and a successful reply must match the type's result schema.
test('the request examples run on the real host and their replies match the result schemas', { skip: !hostBinary && 'CW_HOST_BINARY not set' }, async (t) => {
  const requests = examples.filter((e) => e.kind === 'request' && e.type !== 'envelope');
  const messages = [];
  for (const e of requests) {
    let value;
    try {
      value = JSON.parse(e.text);
    } catch {
      continue;  // reported by the example test
    }
    const isEnvelope = value && typeof value === 'object' && 'id' in value && value.type === e.type;
    messages.push({ example: e, message: { id: messages.length + 1, type: e.type, payload: isEnvelope ? value.payload ?? {} : value } });
  }
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-docs-'));
  try {
    const replies = await askHost(messages.map((m) => m.message), { ...process.env, CLAUSEWATCH_HOME: home });
    assert.equal(replies.length, messages.length, 'the host answered every example');
    const mismatches = [];
    replies.forEach((reply, i) => {
      const { example } = messages[i];
      const where = `PROTOCOL.md:${example.line} (${example.type} request, run on the host)`;
      mismatches.push(...check('envelope reply', reply, where));
      if (reply.ok && validators.has(`${example.type} result`)) mismatches.push(...check(`${example.type} result`, reply.result, where));
      if (!reply.ok) t.diagnostic(`${where}: ${reply.error.name}: ${reply.error.message}`);
    });
    coverage(t, mismatches, 'real replies that do not match the schemas');
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
});
