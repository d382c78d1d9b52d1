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
// The cookie-banner content script; registered in every frame once it exists. Other .js files in
// its folder (helpers, marker data) are loaded before it, in name order.
const kBannerScript = 'content/banner/banner-capture.js';

function bannerScripts() {
  const dir = path.join(extensionDir, 'src', 'content', 'banner');
  if (!fs.existsSync(path.join(extensionDir, 'src', kBannerScript))) return [];
  const helpers = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.js') && !/\.test\.m?js$/.test(f) && `content/banner/${f}` !== kBannerScript)
    .sort()
    .map((f) => `content/banner/${f}`);
  return [...helpers, kBannerScript];
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

export function buildManifest(platform, { version, bannerJs = [] }) {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(extensionDir, 'platform', platform, 'manifest.json'), 'utf8'),
  );
  manifest.version = version;
  if (bannerJs.length > 0) {
    manifest.content_scripts.push({
      matches: ['http://*/*', 'https://*/*'],
      js: bannerJs,
      run_at: 'document_idle',
      all_frames: true,
    });
  }
  return manifest;
}

export function build({ out, platforms }) {
  const pkg = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8'));
  const bannerJs = bannerScripts();
  const dirs = {};
  for (const platform of platforms) {
    const dir = path.join(out, platform);
    fs.rmSync(dir, { recursive: true, force: true });
    copyTree(path.join(extensionDir, 'src'), dir);
    const manifest = buildManifest(platform, { version: pkg.version, bannerJs });
    fs.writeFileSync(path.join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    dirs[platform] = dir;
  }
  return dirs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dirs = build(parseArgs(process.argv.slice(2)));
  for (const [platform, dir] of Object.entries(dirs)) console.log(`${platform}: ${dir}`);
}
