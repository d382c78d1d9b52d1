// Draws the toolbar icons (a document with text lines and a magnifier dot) as PNGs into
// src/icons/. Run once when the design changes; the PNGs are committed.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const here = path.dirname(new URL(import.meta.url).pathname);
const outDir = path.join(here, '..', 'src', 'icons');

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// u, v in [0, 1]: a navy page, white text lines, an amber warning dot at the bottom right.
function pixel(u, v) {
  const transparent = [0, 0, 0, 0];
  const dot = Math.hypot(u - 0.74, v - 0.74);
  if (dot < 0.2) return [240, 160, 0, 255];
  if (u < 0.12 || u > 0.82 || v < 0.06 || v > 0.94) return transparent;
  const line = (v - 0.2) / 0.14;
  if (line >= 0 && line < 4 && line % 1 < 0.45 && u > 0.22 && u < 0.72) return [255, 255, 255, 255];
  return [28, 52, 94, 255];
}

fs.mkdirSync(outDir, { recursive: true });
for (const size of [16, 32, 48, 128]) fs.writeFileSync(path.join(outDir, `icon-${size}.png`), png(size, pixel));
console.log(`icons written to ${outDir}`);
