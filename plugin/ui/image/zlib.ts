// The zlib pieces PNG needs (RFC 1950/1951), in plain TypeScript so they also run in Photoshop's UXP, which has
// neither canvas pixel access nor CompressionStream: CRC-32 and Adler-32, a "stored" (uncompressed) zlib writer, and
// an inflater after zlib's puff.c, with one lookup table per Huffman code instead of puff's bit-by-bit search.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = (CRC_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    // 3800 bytes keep both sums below 2^31 before the modulo (zlib uses 5552 with unsigned 32-bit sums).
    const end = Math.min(i + 3800, bytes.length);
    for (; i < end; i++) {
      a += bytes[i] as number;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A valid zlib stream of uncompressed deflate blocks. */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + blocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const chunk = data.subarray(b * 65535, Math.min(data.length, (b + 1) * 65535));
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = chunk.length & 0xff;
    out[o++] = chunk.length >>> 8;
    out[o++] = ~chunk.length & 0xff;
    out[o++] = (~chunk.length >>> 8) & 0xff;
    out.set(chunk, o);
    o += chunk.length;
  }
  new DataView(out.buffer).setUint32(o, adler32(data));
  return out;
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code as one lookup table indexed by the next `bits` input bits: (length << 16) | symbol. */
type Huffman = { table: Uint32Array; bits: number };

function huffman(lengths: ArrayLike<number>): Huffman {
  let bits = 1;
  const counts = new Uint16Array(16);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s] as number;
    counts[len] = (counts[len] as number) + 1;
    bits = Math.max(bits, len);
  }
  counts[0] = 0;
  const next = new Uint16Array(16);
  for (let len = 1, code = 0; len < 16; len++) {
    code = (code + (counts[len - 1] as number)) << 1;
    next[len] = code;
  }
  const table = new Uint32Array(1 << bits);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s] as number;
    if (len === 0) continue;
    const code = next[len] as number;
    next[len] = code + 1;
    // Deflate sends Huffman codes most significant bit first, into a stream read least significant bit first.
    let reversed = 0;
    for (let i = 0; i < len; i++) reversed |= ((code >> i) & 1) << (len - 1 - i);
    for (let r = reversed; r < table.length; r += 1 << len) table[r] = (len << 16) | s;
  }
  return { table, bits };
}

const FIXED_LITERALS = huffman(Array.from({ length: 288 }, (_, s) => (s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8)));
const FIXED_DISTANCES = huffman(new Array<number>(30).fill(5));

class Inflater {
  private pos: number;
  private bitBuf = 0;
  private bitCount = 0;
  out: Uint8Array;
  length = 0;

  constructor(
    private readonly input: Uint8Array,
    start: number,
    sizeHint: number,
  ) {
    this.pos = start;
    this.out = new Uint8Array(Math.max(1024, sizeHint));
  }

  bits(n: number): number {
    while (this.bitCount < n) {
      if (this.pos >= this.input.length) throw new RangeError('deflate data ends early');
      this.bitBuf |= (this.input[this.pos++] as number) << this.bitCount;
      this.bitCount += 8;
    }
    const value = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCount -= n;
    return value;
  }

  private ensure(extra: number): void {
    if (this.length + extra <= this.out.length) return;
    const grown = new Uint8Array(Math.max(this.out.length * 2, this.length + extra));
    grown.set(this.out.subarray(0, this.length));
    this.out = grown;
  }

  private decode(h: Huffman): number {
    // Peek `h.bits` bits; past the end of the input the missing bits read as zero and are checked below.
    while (this.bitCount < h.bits) {
      this.bitBuf |= (this.input[this.pos++] ?? 0) << this.bitCount;
      this.bitCount += 8;
    }
    const entry = this.table(h);
    const len = entry >>> 16;
    if (len === 0) throw new RangeError('invalid Huffman code in deflate data');
    this.bitBuf >>>= len;
    this.bitCount -= len;
    if (this.pos - (this.bitCount >> 3) > this.input.length) throw new RangeError('deflate data ends early');
    return entry & 0xffff;
  }

  private table(h: Huffman): number {
    return h.table[this.bitBuf & ((1 << h.bits) - 1)] as number;
  }

  private stored(): void {
    // Whole bytes read ahead into the bit buffer belong to the stored block.
    this.pos -= this.bitCount >> 3;
    this.bitBuf = 0;
    this.bitCount = 0;
    const len = (this.input[this.pos] as number) | ((this.input[this.pos + 1] as number) << 8);
    const nlen = (this.input[this.pos + 2] as number) | ((this.input[this.pos + 3] as number) << 8);
    if ((len ^ 0xffff) !== nlen || this.pos + 4 + len > this.input.length)
      throw new RangeError('bad stored deflate block');
    this.ensure(len);
    this.out.set(this.input.subarray(this.pos + 4, this.pos + 4 + len), this.length);
    this.length += len;
    this.pos += 4 + len;
  }

  private dynamicTables(): [Huffman, Huffman] {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    const codeLengths = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) codeLengths[CODE_LENGTH_ORDER[i] as number] = this.bits(3);
    const codeHuffman = huffman(codeLengths);
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < nlen + ndist;) {
      const sym = this.decode(codeHuffman);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      const [value, repeat] =
        sym === 16
          ? [i > 0 ? (lengths[i - 1] as number) : -1, 3 + this.bits(2)]
          : [0, sym === 17 ? 3 + this.bits(3) : 11 + this.bits(7)];
      if (value < 0 || i + repeat > lengths.length) throw new RangeError('bad code lengths in deflate data');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    return [huffman(lengths.subarray(0, nlen)), huffman(lengths.subarray(nlen))];
  }

  private codes(literals: Huffman, distances: Huffman): void {
    for (;;) {
      const sym = this.decode(literals);
      if (sym < 256) {
        this.ensure(1);
        this.out[this.length++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        const li = sym - 257;
        if (li >= 29) throw new RangeError('bad length symbol in deflate data');
        const len = (LENGTH_BASE[li] as number) + this.bits(LENGTH_EXTRA[li] as number);
        const di = this.decode(distances);
        if (di >= 30) throw new RangeError('bad distance symbol in deflate data');
        const dist = (DIST_BASE[di] as number) + this.bits(DIST_EXTRA[di] as number);
        if (dist > this.length) throw new RangeError('deflate distance reaches before the start');
        this.ensure(len);
        for (let k = 0; k < len; k++, this.length++) this.out[this.length] = this.out[this.length - dist] as number;
      }
    }
  }

  run(): void {
    let final = 0;
    while (final === 0) {
      final = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(FIXED_LITERALS, FIXED_DISTANCES);
      else if (type === 2) this.codes(...this.dynamicTables());
      else throw new RangeError('invalid deflate block type 3');
    }
  }
}

/** Inflates a zlib stream (2-byte header, deflate data, Adler-32); sizeHint preallocates the output. */
export function inflateZlib(data: Uint8Array, sizeHint = data.length * 4): Uint8Array {
  const cmf = data[0] ?? 0;
  const flg = data[1] ?? 0;
  if ((cmf & 0x0f) !== 8 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) throw new RangeError('not a zlib stream');
  const inflater = new Inflater(data, 2, sizeHint);
  inflater.run();
  return inflater.out.subarray(0, inflater.length);
}
