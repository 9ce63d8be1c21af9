// Test helper: the smallest byte string that passes checkImagePayload as a PNG of the given size (signature and
// IHDR only). It is not a decodable image; tests that decode pixels need a real encoder.
export function fakePng(width: number, height: number, extraBytes = 16): Uint8Array {
  const bytes = new Uint8Array(33 + extraBytes);
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 0);
  const view = new DataView(bytes.buffer);
  view.setUint32(8, 13); // IHDR data length
  view.setUint32(12, 0x49484452); // "IHDR"
  view.setUint32(16, width);
  view.setUint32(20, height);
  bytes.set([8, 6, 0, 0, 0], 24); // 8-bit RGBA, deflate, no filter, no interlace
  return bytes;
}
