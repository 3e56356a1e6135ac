/**
 * Checks a model file before the llama.cpp runtime ever sees it, and says who it is.
 *
 * llama.cpp's own errors for a bad file are generic ("failed to load model") and arrive only after the
 * runtime has started, so the file is read here first, with no runtime: the GGUF header (magic, version,
 * metadata, tensor table), which gives a clear error for a missing, empty, non-GGUF or truncated file
 * (the tensor table says how many bytes the tensors need; a file shorter than that is an interrupted
 * download), and the few metadata values the provider uses (architecture, chat template, trained context).
 * `modelFileIdentity` adds the size and sha256 that name the file in every record and cache key.
 */
import { naming } from '../../src/param-names.ts';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { ConfigurationError } from './transport.ts';

export interface GgufSummary {
  version: number;
  tensorCount: number;
  architecture: string | null;
  name: string | null;
  chatTemplate: string | null;
  /** `<arch>.context_length`: the context the model was trained for. */
  trainedContext: number | null;
  /** Bytes the file must have for every tensor's data to be inside it. */
  requiredBytes: number;
  fileBytes: number;
}

export interface ModelFileIdentity {
  path: string;
  name: string;
  bytes: number;
  sha256: string;
}

/** Bytes per block and elements per block of each ggml tensor type (ggml.c's type traits). */
const GGML_TYPE_SIZE: Readonly<Record<number, readonly [bytes: number, elements: number]>> = {
  0: [4, 1],
  1: [2, 1],
  2: [18, 32],
  3: [20, 32],
  6: [22, 32],
  7: [24, 32],
  8: [34, 32],
  9: [36, 32],
  10: [84, 256],
  11: [110, 256],
  12: [144, 256],
  13: [176, 256],
  14: [210, 256],
  15: [292, 256],
  16: [66, 256],
  17: [74, 256],
  18: [98, 256],
  19: [50, 256],
  20: [18, 32],
  21: [110, 256],
  22: [82, 256],
  23: [136, 256],
  24: [1, 1],
  25: [2, 1],
  26: [4, 1],
  27: [8, 1],
  28: [8, 1],
  29: [56, 256],
  30: [2, 1],
  34: [54, 256],
  35: [66, 256],
  39: [17, 32],
};

/** Sizes of the fixed-width GGUF metadata value types. */
const SCALAR_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };

class EndOfFile extends Error {}

/** Sequential reads over a file descriptor with a small buffer (headers of real models are a few MB). */
class Reader {
  private buf = Buffer.alloc(1 << 20);
  private start = 0; // file position of buf[0]
  private end = 0; // valid bytes in buf
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
  ) {}

  private need(n: number): void {
    if (this.pos + n > this.size) throw new EndOfFile();
    if (this.pos >= this.start && this.pos + n <= this.start + this.end) return;
    if (n > this.buf.length) this.buf = Buffer.alloc(n);
    this.start = this.pos;
    this.end = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
    if (this.end < n) throw new EndOfFile();
  }
  bytes(n: number): Buffer {
    this.need(n);
    const o = this.pos - this.start;
    this.pos += n;
    return this.buf.subarray(o, o + n);
  }
  u32(): number {
    return this.bytes(4).readUInt32LE(0);
  }
  u64(): number {
    const v = this.bytes(8).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`a 64-bit count ${v} is not plausible`);
    return Number(v);
  }
  str(): string {
    const n = this.u64();
    if (n > 64 * 1024 * 1024) throw new RangeError(`a ${n}-byte string in the header is not plausible`);
    return this.bytes(n).toString('utf8');
  }
  skip(n: number): void {
    if (this.pos + n > this.size) throw new EndOfFile();
    this.pos += n;
  }
}

/** A metadata value: strings and numbers are kept, arrays are skipped (the vocabulary is large). */
function readValue(r: Reader, type: number): string | number | boolean | null {
  if (type === 8) return r.str();
  if (type === 9) {
    const inner = r.u32();
    const n = r.u64();
    if (inner === 8) for (let i = 0; i < n; i++) r.skip(r.u64());
    else if (SCALAR_SIZE[inner] !== undefined) r.skip(n * SCALAR_SIZE[inner]);
    else throw new RangeError(`unknown array element type ${inner}`);
    return null;
  }
  const size = SCALAR_SIZE[type];
  if (size === undefined) throw new RangeError(`unknown metadata value type ${type}`);
  const b = r.bytes(size);
  switch (type) {
    case 0:
      return b.readUInt8(0);
    case 1:
      return b.readInt8(0);
    case 2:
      return b.readUInt16LE(0);
    case 3:
      return b.readInt16LE(0);
    case 4:
      return b.readUInt32LE(0);
    case 5:
      return b.readInt32LE(0);
    case 6:
      return b.readFloatLE(0);
    case 7:
      return b.readUInt8(0) !== 0;
    case 10:
      return Number(b.readBigUInt64LE(0));
    case 11:
      return Number(b.readBigInt64LE(0));
    default:
      return b.readDoubleLE(0);
  }
}

const HOW_TO_GET = "download a .gguf (e.g. from Hugging Face) or convert a model with llama.cpp's convert_hf_to_gguf.py";

/** Reads and checks the GGUF header of `path`; every problem is a ConfigurationError naming the file. */
export function readGgufSummary(path: string): GgufSummary {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} ${path} does not exist; ${HOW_TO_GET}`);
    throw naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} ${path} cannot be read (${code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} ${path} is not a file`);
    const size = st.size;
    if (size === 0)
      throw naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} ${path} is empty (0 bytes): an interrupted download? ${HOW_TO_GET}`);
    const r = new Reader(fd, size);
    try {
      const magic = r.bytes(4).toString('latin1');
      if (magic !== 'GGUF') {
        const head = r.size >= 4 ? JSON.stringify(magic) : 'too short';
        const hint =
          magic.startsWith('PK') || magic === '{"__' || magic.startsWith('\x80')
            ? " (it looks like a PyTorch/safetensors checkpoint, not llama.cpp's format)"
            : '';
        throw naming(
          new ConfigurationError(''),
          ['modelFile'],
          (n) => `${n('modelFile')} ${path} is not a GGUF model file: it starts with ${head}, not "GGUF"${hint}; ${HOW_TO_GET}`,
        );
      }
      const version = r.u32();
      if (version < 2 || version > 3)
        throw naming(
          new ConfigurationError(''),
          ['modelFile'],
          (n) => `${n('modelFile')} ${path} is GGUF version ${version}; this runtime reads versions 2 and 3`,
        );
      const tensorCount = r.u64();
      const kvCount = r.u64();
      const kv = new Map<string, string | number | boolean | null>();
      for (let i = 0; i < kvCount; i++) {
        const key = r.str();
        kv.set(key, readValue(r, r.u32()));
      }
      const alignment = typeof kv.get('general.alignment') === 'number' ? (kv.get('general.alignment') as number) : 32;
      let required = 0;
      const tensorEnds: number[] = [];
      for (let i = 0; i < tensorCount; i++) {
        r.str();
        const nDims = r.u32();
        if (nDims > 8) throw new RangeError(`a tensor with ${nDims} dimensions`);
        let elements = 1;
        for (let d = 0; d < nDims; d++) elements *= r.u64();
        const type = r.u32();
        const offset = r.u64();
        const ts = GGML_TYPE_SIZE[type];
        // A type this table does not know still has its start inside the file.
        tensorEnds.push(offset + (ts ? Math.ceil(elements / ts[1]) * ts[0] : 1));
      }
      const dataStart = Math.ceil(r.pos / alignment) * alignment;
      required = dataStart + (tensorEnds.length ? Math.max(...tensorEnds) : 0);
      if (size < required) {
        throw naming(
          new ConfigurationError(''),
          ['modelFile'],
          (n) =>
            `${n('modelFile')} ${path} is truncated: it has ${size} bytes, its tensors need ${required} (${((100 * size) / required).toFixed(1)}% present; an interrupted download?)`,
        );
      }
      const arch = typeof kv.get('general.architecture') === 'string' ? (kv.get('general.architecture') as string) : null;
      const ctx = arch === null ? undefined : kv.get(`${arch}.context_length`);
      const template = kv.get('tokenizer.chat_template');
      return {
        version,
        tensorCount,
        architecture: arch,
        name: typeof kv.get('general.name') === 'string' ? (kv.get('general.name') as string) : null,
        chatTemplate: typeof template === 'string' && template.trim() !== '' ? template : null,
        trainedContext: typeof ctx === 'number' ? ctx : null,
        requiredBytes: required,
        fileBytes: size,
      };
    } catch (e) {
      if (e instanceof EndOfFile)
        throw naming(
          new ConfigurationError(''),
          ['modelFile'],
          (n) => `${n('modelFile')} ${path} is truncated: the file (${size} bytes) ends inside its GGUF header (an interrupted download?)`,
        );
      if (e instanceof RangeError)
        throw naming(new ConfigurationError(''), ['modelFile'], (n) => `${n('modelFile')} ${path} has a corrupt GGUF header (${e.message})`);
      throw e;
    }
  } finally {
    closeSync(fd);
  }
}

/** Name, size and sha256 of the model file (read once, in 8 MiB chunks; ~1–2 s per GB). */
export function modelFileIdentity(path: string): ModelFileIdentity {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(8 << 20);
    for (let pos = 0; ;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
  return { path, name: basename(path), bytes: statSync(path).size, sha256: hash.digest('hex') };
}
