// Assembles the loadable extension for each browser:
//   node extension/tools/build.mjs [--out DIR] [--platform chromium|firefox]...
// DIR defaults to build/extension under the repository root; each platform lands in DIR/<platform>.
// The version comes from the root package.json, the single version source.
import fs from 'node:fs';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const extensionDir = path.resolve(here, '..');
const rootDir = path.resolve(extensionDir, '..');
const kPlatforms = ['chromium', 'firefox'];
// The cookie-banner capture (content/banner/, owned by the banner module), registered in every frame
// once banner-capture.js exists:
// - *-main.js files run in the page's own world at document_start (the GPC probe);
// - sw-*.js files are modules for the service worker, never content scripts;
// - every other .js file is a helper loaded before banner-capture.js, generated tables (*.gen.js) first.
const kBannerDir = 'content/banner';
const kBannerScript = `${kBannerDir}/banner-capture.js`;

export function bannerScripts(srcDir = path.join(extensionDir, 'src')) {
  const dir = path.join(srcDir, kBannerDir);
  if (!fs.existsSync(path.join(srcDir, kBannerScript))) return { mainWorld: [], isolated: [] };
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js') && !/\.test\.m?js$/.test(f) && !f.startsWith('sw-'))
    .map((f) => `${kBannerDir}/${f}`);
  const mainWorld = files.filter((f) => f.endsWith('-main.js')).sort();
  const helpers = files
    .filter((f) => !f.endsWith('-main.js') && f !== kBannerScript)
    .sort((a, b) => Number(b.endsWith('.gen.js')) - Number(a.endsWith('.gen.js')) || a.localeCompare(b));
  return { mainWorld, isolated: [...helpers, kBannerScript] };
}

function parseArgs(argv) {
  const args = { out: path.join(rootDir, 'build', 'extension'), platforms: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') args.out = path.resolve(argv[++i]);
    else if (argv[i] === '--platform') args.platforms.push(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  if (args.platforms.length === 0) args.platforms = kPlatforms;
  for (const p of args.platforms) if (!kPlatforms.includes(p)) throw new Error(`unknown platform ${p}`);
  return args;
}

// Copies the shared sources, skipping test-only files.
function copyTree(from, to) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || /\.test\.m?js$/.test(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else fs.copyFileSync(src, dst);
  }
}

export function buildManifest(platform, { version, banner = { mainWorld: [], isolated: [] } }) {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(extensionDir, 'platform', platform, 'manifest.json'), 'utf8'),
  );
  manifest.version = version;
  const pages = ['http://*/*', 'https://*/*'];
  if (banner.mainWorld.length > 0) {
    manifest.content_scripts.push({ matches: pages, js: banner.mainWorld, run_at: 'document_start', all_frames: true, world: 'MAIN' });
  }
  if (banner.isolated.length > 0) {
    manifest.content_scripts.push({ matches: pages, js: banner.isolated, run_at: 'document_idle', all_frames: true });
  }
  return manifest;
}

export function build({ out, platforms }) {
  const pkg = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'));
  const banner = bannerScripts();
  const dirs = {};
  for (const platform of platforms) {
    const dir = path.join(out, platform);
    fs.rmSync(dir, { recursive: true, force: true });
    copyTree(path.join(extensionDir, 'src'), dir);
    const manifest = buildManifest(platform, { version: pkg.version, banner });
    fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    dirs[platform] = dir;
  }
  return dirs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = build(parseArgs(process.argv.slice(2)));
  for (const [platform, dir] of Object.entries(dirs)) console.log(`${platform}: ${dir}`);
}
