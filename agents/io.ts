/**
 * JSON for run folders and checkpoints that carries typed arrays exactly (little-endian bytes in base64).
 * Atomic file writes live in src/atomic.ts.
 */

type Typed = Float32Array | Float64Array | Int32Array | Uint8Array | Uint32Array;
const TAGS: Record<string, new (b: ArrayBuffer) => Typed> = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u8: Uint8Array,
  u32: Uint32Array,
};

function tagOf(v: unknown): string | null {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return 'u8';
  if (v instanceof Uint32Array) return 'u32';
  return null;
}

/** JSON.stringify where every typed array becomes {"$typed": tag, "b64": bytes} (bit-exact). */
export function encodeJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    function (this: unknown, _key, v) {
      const tag = tagOf(v);
      if (tag) {
        const t = v as Typed;
        return { $typed: tag, length: t.length, b64: Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('base64') };
      }
      return v;
    },
    indent,
  );
}

/** Inverse of `encodeJson`. */
export function decodeJson(text: string): unknown {
  return JSON.parse(text, (_key, v) => {
    if (v && typeof v === 'object' && typeof (v as { $typed?: unknown }).$typed === 'string') {
      const { $typed, b64, length } = v as { $typed: string; b64: string; length: number };
      const Ctor = TAGS[$typed];
      if (!Ctor) throw new Error(`decodeJson: unknown typed-array tag "${$typed}"`);
      const bytes = Buffer.from(b64, 'base64');
      const copy = new Uint8Array(bytes.length); // aligned, owned buffer
      copy.set(bytes);
      const arr = new Ctor(copy.buffer);
      if (arr.length !== length) throw new Error(`decodeJson: typed array "${$typed}" has ${arr.length} elements, header says ${length}`);
      return arr;
    }
    return v;
  });
}
