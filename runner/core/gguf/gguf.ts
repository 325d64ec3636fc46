/**
 * A GGUF v3 writer for small llama-architecture models whose weights the project generates itself
 * (no model is downloaded, ever). Hand-written: no npm package writes GGUF files, only readers exist.
 * Pure: returns bytes; the caller writes them.
 */

export type GgmlType = "f32" | "f16" | "q8_0" | "q4_0";
const GGML_TYPE_ID: Record<GgmlType, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 8 };
const FILE_TYPE: Record<GgmlType, number> = { f32: 0, f16: 1, q4_0: 2, q8_0: 7 };

type KvValue =
  | { t: "u32"; v: number }
  | { t: "i32"; v: number }
  | { t: "f32"; v: number }
  | { t: "bool"; v: boolean }
  | { t: "str"; v: string }
  | { t: "arr_str"; v: string[] }
  | { t: "arr_f32"; v: number[] }
  | { t: "arr_i32"; v: number[] };

export interface Tensor {
  name: string;
  dims: number[]; // ggml order: ne0 (contiguous) first
  type: GgmlType;
  data: Float32Array; // row-major with ne0 fastest
}

const ALIGN = 32;

class Writer {
  private chunks: Uint8Array[] = [];
  length = 0;
  private push(b: Uint8Array) {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v, true);
    this.push(b);
  }
  i32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, v, true);
    this.push(b);
  }
  u64(v: number) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(v), true);
    this.push(b);
  }
  f32(v: number) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
  }
  u8(v: number) {
    this.push(Uint8Array.of(v));
  }
  str(s: string) {
    const e = new TextEncoder().encode(s);
    this.u64(e.length);
    this.push(e);
  }
  bytes(b: Uint8Array) {
    this.push(b);
  }
  pad() {
    const n = (ALIGN - (this.length % ALIGN)) % ALIGN;
    if (n) this.push(new Uint8Array(n));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** IEEE 754 half precision, round-to-nearest-even. */
export function toHalf(value: number): number {
  const f = new Float32Array([value]);
  const x = new Uint32Array(f.buffer)[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    let h = mant >> shift;
    if ((mant >> (shift - 1)) & 1 && (mant & ((1 << (shift - 1)) - 1) || h & 1)) h++;
    return sign | h;
  }
  let h = sign | (exp << 10) | (mant >> 13);
  if (mant & 0x1000 && (mant & 0xfff || h & 1)) h++;
  return h;
}

function encodeTensor(t: Tensor): Uint8Array {
  const n = t.data.length;
  switch (t.type) {
    case "f32":
      return new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + n * 4));
    case "f16": {
      const out = new Uint16Array(n);
      for (let i = 0; i < n; i++) out[i] = toHalf(t.data[i]!);
      return new Uint8Array(out.buffer);
    }
    case "q8_0": {
      // Block of 32: f16 scale d = amax/127, then 32 int8 q = round(x/d).
      const out = new Uint8Array((n / 32) * 34);
      const dv = new DataView(out.buffer);
      for (let b = 0; b < n / 32; b++) {
        let amax = 0;
        for (let i = 0; i < 32; i++) amax = Math.max(amax, Math.abs(t.data[b * 32 + i]!));
        const d = amax / 127;
        const id = d ? 1 / d : 0;
        dv.setUint16(b * 34, toHalf(d), true);
        for (let i = 0; i < 32; i++) dv.setInt8(b * 34 + 2 + i, Math.round(t.data[b * 32 + i]! * id));
      }
      return out;
    }
    case "q4_0": {
      // Block of 32: f16 scale d = max/−8 (max = the value of largest magnitude, signed); nibble
      // q = clamp(round(x/d) + 8, 0, 15); byte j holds element j (low) and j+16 (high).
      const out = new Uint8Array((n / 32) * 18);
      const dv = new DataView(out.buffer);
      for (let b = 0; b < n / 32; b++) {
        let amax = 0;
        let max = 0;
        for (let i = 0; i < 32; i++) {
          const v = t.data[b * 32 + i]!;
          if (Math.abs(v) > amax) {
            amax = Math.abs(v);
            max = v;
          }
        }
        const d = max / -8;
        const id = d ? 1 / d : 0;
        dv.setUint16(b * 18, toHalf(d), true);
        for (let j = 0; j < 16; j++) {
          const q0 = Math.min(15, Math.max(0, Math.floor(t.data[b * 32 + j]! * id + 8.5)));
          const q1 = Math.min(15, Math.max(0, Math.floor(t.data[b * 32 + 16 + j]! * id + 8.5)));
          out[b * 18 + 2 + j] = q0 | (q1 << 4);
        }
      }
      return out;
    }
  }
}

export function writeGguf(kv: [string, KvValue][], tensors: Tensor[]): Uint8Array {
  const w = new Writer();
  w.bytes(new TextEncoder().encode("GGUF"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(kv.length);
  for (const [key, val] of kv) {
    w.str(key);
    switch (val.t) {
      case "u32":
        w.u32(4);
        w.u32(val.v);
        break;
      case "i32":
        w.u32(5);
        w.i32(val.v);
        break;
      case "f32":
        w.u32(6);
        w.f32(val.v);
        break;
      case "bool":
        w.u32(7);
        w.u8(val.v ? 1 : 0);
        break;
      case "str":
        w.u32(8);
        w.str(val.v);
        break;
      case "arr_str":
        w.u32(9);
        w.u32(8);
        w.u64(val.v.length);
        val.v.forEach((s) => w.str(s));
        break;
      case "arr_f32":
        w.u32(9);
        w.u32(6);
        w.u64(val.v.length);
        val.v.forEach((x) => w.f32(x));
        break;
      case "arr_i32":
        w.u32(9);
        w.u32(5);
        w.u64(val.v.length);
        val.v.forEach((x) => w.i32(x));
        break;
    }
  }
  const encoded = tensors.map(encodeTensor);
  let offset = 0;
  tensors.forEach((t, i) => {
    w.str(t.name);
    w.u32(t.dims.length);
    t.dims.forEach((d) => w.u64(d));
    w.u32(GGML_TYPE_ID[t.type]);
    w.u64(offset);
    offset += encoded[i]!.length;
    offset += (ALIGN - (offset % ALIGN)) % ALIGN;
  });
  w.pad();
  for (const e of encoded) {
    w.bytes(e);
    w.pad();
  }
  return w.concat();
}

export { FILE_TYPE };
export type { KvValue };
