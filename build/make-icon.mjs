// Draws build/icon.png (512x512): a key on a rounded blue square. Run `node build/make-icon.mjs`
// after changing it; electron-builder derives the .icns/.ico/Linux sizes from this one file.
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

const size = 512;
const png = new PNG({ width: size, height: size });
const bg = [37, 99, 235];
const fg = [255, 255, 255];

function inRoundedSquare(x, y, inset, radius) {
  const lo = inset + radius;
  const hi = size - inset - radius;
  const cx = Math.min(Math.max(x, lo), hi);
  const cy = Math.min(Math.max(y, lo), hi);
  return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2;
}

function inKey(x, y) {
  // Bow: a ring centred left of middle; shaft to the right; two teeth down.
  const ring = (x - 190) ** 2 + (y - 256) ** 2;
  if (ring <= 92 ** 2 && ring >= 46 ** 2) return true;
  if (x >= 270 && x <= 420 && y >= 236 && y <= 276) return true;
  if (x >= 360 && x <= 390 && y >= 276 && y <= 330) return true;
  if (x >= 400 && x <= 420 && y >= 276 && y <= 316) return true;
  return false;
}

for (let y = 0; y < size; y++) {
  for (let x = 0; x < size; x++) {
    const i = (y * size + x) * 4;
    const inside = inRoundedSquare(x, y, 16, 96);
    const color = inside && inKey(x, y) ? fg : bg;
    png.data[i] = color[0];
    png.data[i + 1] = color[1];
    png.data[i + 2] = color[2];
    png.data[i + 3] = inside ? 255 : 0;
  }
}
writeFileSync(new URL('./icon.png', import.meta.url), PNG.sync.write(png));
console.log('wrote build/icon.png');
