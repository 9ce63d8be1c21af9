// The tray icon, drawn at start (no binary asset in the repository): a rounded violet square with a white dot.
// macOS and Linux trays take a PNG; Windows takes an .ico, which may hold a PNG (Windows Vista and later).
import sharp from 'sharp';

const SIDE = 32;

function pixels(): Uint8Array {
  const rgba = new Uint8Array(SIDE * SIDE * 4);
  const c = (SIDE - 1) / 2;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const i = (y * SIDE + x) * 4;
      const corner = Math.max(0, Math.abs(x - c) - 10) ** 2 + Math.max(0, Math.abs(y - c) - 10) ** 2 > 25;
      const dot = (x - c) ** 2 + (y - c) ** 2 < 36;
      rgba.set(corner ? [0, 0, 0, 0] : dot ? [255, 255, 255, 255] : [109, 74, 255, 255], i);
    }
  }
  return rgba;
}

/** An ICO container with one PNG image (ICONDIR + one ICONDIRENTRY, then the PNG bytes). */
function icoOf(png: Uint8Array): Uint8Array {
  const ico = new Uint8Array(6 + 16 + png.length);
  const view = new DataView(ico.buffer);
  view.setUint16(2, 1, true); // type: icon
  view.setUint16(4, 1, true); // one image
  view.setUint8(6, SIDE);
  view.setUint8(7, SIDE);
  view.setUint16(10, 1, true); // colour planes
  view.setUint16(12, 32, true); // bits per pixel
  view.setUint32(14, png.length, true);
  view.setUint32(18, 22, true); // offset of the image data
  ico.set(png, 22);
  return ico;
}

export async function trayIconBase64Async(platform: NodeJS.Platform): Promise<string> {
  const png = new Uint8Array(
    await sharp(pixels(), { raw: { width: SIDE, height: SIDE, channels: 4 } })
      .png()
      .toBuffer(),
  );
  return Buffer.from(platform === 'win32' ? icoOf(png) : png).toString('base64');
}
