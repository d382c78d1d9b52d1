// Paths and set-up shared by the end-to-end tests: the built host, the built extension, the pinned
// ids, and the host manifests for a throwaway profile.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { build } from '../../../extension/tools/build.mjs';

export const kRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');
export const kIds = JSON.parse(fs.readFileSync(path.join(kRoot, 'manifests', 'extension-ids.json'), 'utf8'));
export const kChromiumOrigin = `chrome-extension://${kIds.chromium_extension_id}/`;

// ctest passes the built host and a build dir; by hand, the developer's build/extension is used.
export const kHostBinary =
  process.env.CW_HOST_BINARY || path.join(kRoot, 'build', 'extension', 'native-host', 'clausewatch-host');
export const kOutDir = process.env.CW_E2E_OUT || path.join(kRoot, 'tests', 'e2e', 'out');

export function hostTypes() {
  const out = execFileSync(kHostBinary, ['--list-types'], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map((line) => line.split('\t')[0]);
}

// Builds the extension once per test process into the output dir.
let built = null;
export function builtExtension() {
  if (!built) built = build({ out: path.join(kOutDir, 'webext'), platforms: ['chromium', 'firefox'] });
  return built;
}

// Temporary profiles, homes and archives; removeTempDirs() deletes them when a test file ends.
const made = [];
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs() {
  while (made.length) fs.rmSync(made.pop(), { recursive: true, force: true });
}

export function writeChromiumHostManifest(userDataDir) {
  const dir = path.join(userDataDir, 'NativeMessagingHosts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, `${kIds.host_name}.json`),
    JSON.stringify({
      name: kIds.host_name,
      description: 'ClauseWatch host (end-to-end test)',
      path: kHostBinary,
      type: 'stdio',
      allowed_origins: [kChromiumOrigin],
    }),
  );
}

export function writeFirefoxHostManifest(home) {
  const dir = path.join(home, '.mozilla', 'native-messaging-hosts');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, `${kIds.host_name}.json`),
    JSON.stringify({
      name: kIds.host_name,
      description: 'ClauseWatch host (end-to-end test)',
      path: kHostBinary,
      type: 'stdio',
      allowed_extensions: [kIds.gecko_id],
    }),
  );
}

export function artifactPath(name) {
  fs.mkdirSync(kOutDir, { recursive: true });
  return path.join(kOutDir, name);
}
