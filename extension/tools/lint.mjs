// Builds the extension and runs `web-ext lint` on the Firefox build (web-ext checks Firefox
// manifests; the Chromium manifest is checked by extension/test/manifest.test.mjs). Exits non-zero
// on any error or warning.
//   node extension/tools/lint.mjs [--out DIR]
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from './build.mjs';

const rootDir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const outIndex = process.argv.indexOf('--out');
const out = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : undefined;
const dirs = build({ out: out ?? path.join(rootDir, 'build', 'extension'), platforms: ['firefox'] });
const webExt = path.join(rootDir, 'node_modules', 'web-ext', 'bin', 'web-ext.js');
const run = spawnSync(process.execPath, [webExt, 'lint', '--source-dir', dirs.firefox, '--warnings-as-errors', '--output', 'text'], {
  stdio: 'inherit',
});
process.exit(run.status ?? 1);
