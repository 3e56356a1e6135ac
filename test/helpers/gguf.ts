/**
 * A GGUF writer for tests: no real weights exist on the test machines, so the tests make their own model.
 *
 * `tinyLlamaGguf()` builds a few-hundred-KB llama-architecture model with random (seeded, so the file is the
 * same bytes every time) F32 weights, an SPM ("llama") vocabulary of the ChatML control tokens plus the 256
 * byte-fallback tokens <0x00>…<0xFF> (so any text, JSON included, is expressible), and a ChatML chat template.
 *
 * A random model under a JSON grammar would wander through long strings, so the output layer is shaped: the
 * residual stream carries a one-hot "class" of the current token (the attention and MLP weights are tiny),
 * and the output rows rank the next token by that class — a bigram model. Greedy decoding under the answer
 * grammar then walks to `{"label":"Flat","score":0,"confidence":0,"explanation":"Flat","keyFactors":[]}`-like
 * text in a few dozen tokens (exactly which optional keys appear is the grammar's business), and free text
 * (no grammar) ends after `"Flat`. Everything the grammar forces (keys, punctuation) is forced whatever the
 * weights say; the shaping only decides the free choices.
 *
 * Format (GGUF v3): magic "GGUF", version, tensor count, KV count; KVs (string key, u32 type, value);
 * tensor infos (name, n_dims, dims innermost first, ggml type, offset into the data section); padding to
 * `general.alignment` (32); the tensor data, each tensor aligned to 32 bytes.
 */
import { writeFileSync } from 'node:fs';

const enum T {
  U32 = 4,
  I32 = 5,
  F32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  U64 = 10,
}

type KvValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'f32[]'; value: readonly number[] }
  | { type: 'i32[]'; value: readonly number[] };

export interface GgufTensor {
  name: string;
  /** ggml order: innermost (contiguous) dimension first. */
  dims: readonly number[];
  data: Float32Array;
}

const ALIGN = 32;

class Bytes {
  private chunks: Buffer[] = [];
  length = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.u64(b.length);
    this.push(b);
  }
  pad(): void {
    const n = (ALIGN - (this.length % ALIGN)) % ALIGN;
    if (n > 0) this.push(Buffer.alloc(n));
  }
  concat(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** The header (everything before the tensor data) and where each tensor's data goes. */
function ggufHeader(
  kvs: ReadonlyArray<readonly [string, KvValue]>,
  tensors: ReadonlyArray<{ name: string; dims: readonly number[] }>,
): { header: Buffer; offsets: number[]; dataBytes: number } {
  const out = new Bytes();
  out.push(Buffer.from('GGUF', 'latin1'));
  out.u32(3);
  out.u64(tensors.length);
  out.u64(kvs.length);
  for (const [key, v] of kvs) {
    out.str(key);
    switch (v.type) {
      case 'u32':
        out.u32(T.U32);
        out.u32(v.value);
        break;
      case 'f32':
        out.u32(T.F32);
        out.f32(v.value);
        break;
      case 'bool':
        out.u32(T.BOOL);
        out.push(Buffer.from([v.value ? 1 : 0]));
        break;
      case 'string':
        out.u32(T.STRING);
        out.str(v.value);
        break;
      case 'string[]':
        out.u32(T.ARRAY);
        out.u32(T.STRING);
        out.u64(v.value.length);
        for (const s of v.value) out.str(s);
        break;
      case 'f32[]':
        out.u32(T.ARRAY);
        out.u32(T.F32);
        out.u64(v.value.length);
        for (const x of v.value) out.f32(x);
        break;
      case 'i32[]':
        out.u32(T.ARRAY);
        out.u32(T.I32);
        out.u64(v.value.length);
        for (const x of v.value) out.i32(x);
        break;
    }
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    offsets.push(offset);
    offset += 4 * t.dims.reduce((a, b) => a * b, 1);
    offset += (ALIGN - (offset % ALIGN)) % ALIGN;
  }
  tensors.forEach((t, i) => {
    out.str(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(0); // GGML_TYPE_F32
    out.u64(offsets[i]);
  });
  out.pad();
  return { header: out.concat(), offsets, dataBytes: offset };
}

/** Serialises a GGUF v3 file. */
export function ggufBytes(kvs: ReadonlyArray<readonly [string, KvValue]>, tensors: readonly GgufTensor[]): Buffer {
  const { header } = ggufHeader(kvs, tensors);
  const out = new Bytes();
  out.push(header);
  for (const t of tensors) {
    out.push(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    out.pad();
  }
  return out.concat();
}

/** mulberry32: a small seeded generator, so the weights (and the file) are the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ChatML, as Qwen and many instruct models ship it. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export interface TinyModelOptions {
  /** tokenizer.chat_template; null: none (the provider's ChatML fallback applies). Default ChatML. */
  chatTemplate?: string | null;
  seed?: number;
  /** llama.context_length (default 16384: the byte-level vocabulary makes prompts long). */
  contextLength?: number;
  blocks?: number;
  /** Leave the output layer random instead of shaping it (the model then rambles up to maxTokens). */
  unshaped?: boolean;
}

export const TINY = { nEmbd: 64, nHead: 4, nHeadKv: 4, nFf: 128 } as const;

/** Token ids of the tiny vocabulary. */
export const TOKENS = { unk: 0, bos: 1, eos: 2, imStart: 3, imEnd: 4, firstByte: 5 } as const;
const byteToken = (c: string): number => TOKENS.firstByte + c.charCodeAt(0);

/**
 * The bigram preferences: for a current token (by its byte), the next tokens ranked best first. Tokens not
 * listed get ~0 (tiny noise), whitespace −2 (never chosen unless the grammar forces it).
 */
const PREFER: ReadonlyArray<readonly [string | 'default' | 'ws' | 'special', ReadonlyArray<string | 'EOS'>]> = [
  ['default', ['"', ',', '}', 'F']],
  ['ws', ['"', '{', 'F']],
  ['special', ['{', '"']],
  // After a quote: start the value "F…", or the optional keys "score"/"keyFactors" if the grammar offers them.
  ['"', ['F', 's', 'k', ',', '}', '"']],
  ['F', ['l', '"']],
  ['l', ['a', '"']],
  ['a', ['t', '"']],
  // "Flat" ends: the end of a free-text reply; inside JSON (no EOS allowed) the closing quote.
  ['t', ['EOS', '"', ',']],
  [':', ['"', '[', '0']],
  ['0', [',', '}', '"']],
  ['[', [']', '"']],
  [']', ['}', ',']],
  ['}', ['EOS']],
  [',', ['"']],
  ['{', ['"']],
];

/** The whole tiny model as GGUF bytes (deterministic for given options). */
export function tinyLlamaGguf(options: TinyModelOptions = {}): Buffer {
  const { kvs, tensors } = tinyLlamaParts(options);
  return ggufBytes(kvs, tensors);
}

function tinyLlamaParts(options: TinyModelOptions, nFf: number = TINY.nFf): { kvs: Array<readonly [string, KvValue]>; tensors: GgufTensor[] } {
  const { nEmbd, nHead, nHeadKv } = TINY;
  const blocks = options.blocks ?? 1;
  const random = rng(options.seed ?? 1234);
  const gauss = () => {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };

  const tokens = ['<unk>', '<s>', '</s>', '<|im_start|>', '<|im_end|>'];
  const types = [2, 3, 3, 3, 3]; // UNKNOWN, CONTROL…
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(6); // BYTE
  }
  const nVocab = tokens.length;
  const scores = tokens.map(() => 0);

  // Class of each token = the embedding dimension it lights up.
  const classes = new Map<string, number>();
  PREFER.forEach(([k], i) => classes.set(k, i));
  const classOf = (id: number): number => {
    if (id < TOKENS.firstByte) return classes.get('special')!;
    const c = String.fromCharCode(id - TOKENS.firstByte);
    if (c === ' ' || c === '\n' || c === '\t' || c === '\r') return classes.get('ws')!;
    return classes.get(c) ?? classes.get('default')!;
  };
  const isWs = (id: number) => [' ', '\n', '\t', '\r'].some((c) => id === byteToken(c));

  const tokEmbd = new Float32Array(nVocab * nEmbd);
  for (let v = 0; v < nVocab; v++) {
    for (let d = 0; d < nEmbd; d++) tokEmbd[v * nEmbd + d] = 0.01 * gauss();
    tokEmbd[v * nEmbd + classOf(v)] = 1;
  }

  const output = new Float32Array(nVocab * nEmbd);
  for (let i = 0; i < output.length; i++) output[i] = 0.005 * gauss();
  if (!options.unshaped) {
    PREFER.forEach(([, next], cls) => {
      for (let v = 0; v < nVocab; v++) if (isWs(v)) output[v * nEmbd + cls] = -2;
      output[TOKENS.imEnd * nEmbd + cls] = -1;
      next.forEach((n, rank) => {
        const id = n === 'EOS' ? TOKENS.imEnd : byteToken(n);
        output[id * nEmbd + cls] = 3 - 0.4 * rank;
      });
    });
  } else {
    for (let i = 0; i < output.length; i++) output[i] = 0.5 * gauss();
  }

  const small = (n: number) => Float32Array.from({ length: n }, () => 0.02 * gauss());
  const ones = (n: number) => new Float32Array(n).fill(1);
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;
  const tensors: GgufTensor[] = [
    { name: 'token_embd.weight', dims: [nEmbd, nVocab], data: tokEmbd },
    { name: 'output_norm.weight', dims: [nEmbd], data: ones(nEmbd) },
    { name: 'output.weight', dims: [nEmbd, nVocab], data: output },
  ];
  for (let b = 0; b < blocks; b++) {
    tensors.push(
      { name: `blk.${b}.attn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `blk.${b}.attn_q.weight`, dims: [nEmbd, nEmbd], data: small(nEmbd * nEmbd) },
      { name: `blk.${b}.attn_k.weight`, dims: [nEmbd, nEmbdKv], data: small(nEmbd * nEmbdKv) },
      { name: `blk.${b}.attn_v.weight`, dims: [nEmbd, nEmbdKv], data: small(nEmbd * nEmbdKv) },
      { name: `blk.${b}.attn_output.weight`, dims: [nEmbd, nEmbd], data: small(nEmbd * nEmbd) },
      { name: `blk.${b}.ffn_norm.weight`, dims: [nEmbd], data: ones(nEmbd) },
      { name: `blk.${b}.ffn_gate.weight`, dims: [nEmbd, nFf], data: small(nEmbd * nFf) },
      { name: `blk.${b}.ffn_up.weight`, dims: [nEmbd, nFf], data: small(nEmbd * nFf) },
      { name: `blk.${b}.ffn_down.weight`, dims: [nFf, nEmbd], data: small(nFf * nEmbd) },
    );
  }

  const kvs: Array<readonly [string, KvValue]> = [
    ['general.architecture', { type: 'string', value: 'llama' }],
    ['general.name', { type: 'string', value: 'marginlab-tiny-test' }],
    ['general.alignment', { type: 'u32', value: ALIGN }],
    ['llama.context_length', { type: 'u32', value: options.contextLength ?? 16384 }],
    ['llama.embedding_length', { type: 'u32', value: nEmbd }],
    ['llama.block_count', { type: 'u32', value: blocks }],
    ['llama.feed_forward_length', { type: 'u32', value: nFf }],
    ['llama.attention.head_count', { type: 'u32', value: nHead }],
    ['llama.attention.head_count_kv', { type: 'u32', value: nHeadKv }],
    ['llama.rope.dimension_count', { type: 'u32', value: headDim }],
    ['llama.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-5 }],
    ['tokenizer.ggml.model', { type: 'string', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'string[]', value: tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: TOKENS.unk }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: TOKENS.bos }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: TOKENS.imEnd }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
    ['tokenizer.ggml.add_space_prefix', { type: 'bool', value: false }],
  ];
  const template = options.chatTemplate === undefined ? CHATML_TEMPLATE : options.chatTemplate;
  if (template !== null) kvs.push(['tokenizer.chat_template', { type: 'string', value: template }]);
  return { kvs, tensors };
}

/** Writes the tiny model to `path` and returns the path. */
export function writeTinyLlamaGguf(path: string, options: TinyModelOptions = {}): string {
  writeFileSync(path, tinyLlamaGguf(options));
  return path;
}
