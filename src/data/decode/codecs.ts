/**
 * The WebAssembly codecs (Cornerstone's builds of OpenJPEG, CharLS and libjpeg-turbo) load lazily:
 * only a dataset that holds JPEG 2000, JPEG-LS or JPEG-baseline DICOMs pays for them, and each
 * loads once per worker/process. Node finds the .wasm beside the module; a bundled browser build
 * must say where the files are served from (`configureCodecs({ locateWasm })`, e.g. Vite `?url`
 * imports), since Emscripten's own guess points at the bundle's directory.
 */
import { ImageDecodeError } from './types.ts';

export interface DecodedFrame {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned: boolean;
  /** samples, little-endian, interleaved when colour */
  pixels: Uint8Array;
}

type Locator = (wasmFileName: string, prefix: string) => string;
let locateWasm: Locator | undefined;

export function configureCodecs(options: { locateWasm?: Locator }): void {
  locateWasm = options.locateWasm;
}

type CodecName = 'openjpeg' | 'charls' | 'libjpeg-turbo';
type Factory = (options?: { locateFile?: Locator; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
const modules = new Map<CodecName, Promise<any>>();
const builds: Partial<Record<CodecName, 'wasm' | 'asm.js'>> = {};

/** Which build each loaded codec runs on (the studio shows it; tests assert wasm in Node). */
export function loadedCodecBuilds(): Partial<Record<CodecName, 'wasm' | 'asm.js'>> {
  return { ...builds };
}

// WebAssembly builds decode 10-14x faster than the asm.js builds (1024x1024 12-bit: JPEG 2000
// 132 vs 1,879 ms, JPEG-LS 17 vs 143 ms, measured in Node 20). The asm.js builds stay as the
// fallback for pages whose CSP forbids wasm or whose bundler did not ship the .wasm file.
const FACTORIES: Record<CodecName, { wasm: () => Promise<Factory>; asm: () => Promise<Factory> }> = {
  openjpeg: {
    wasm: async () => (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default,
    asm: async () => (await import('@cornerstonejs/codec-openjpeg/decode')).default,
  },
  charls: {
    wasm: async () => (await import('@cornerstonejs/codec-charls/decodewasmjs')).default,
    asm: async () => (await import('@cornerstonejs/codec-charls/decode')).default,
  },
  'libjpeg-turbo': {
    wasm: async () => (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default,
    asm: async () => (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decode')).default,
  },
};

function load(name: CodecName): Promise<any> {
  let pending = modules.get(name);
  if (!pending) {
    // OpenJPEG prints "[INFO] ..." lines per image; failures surface as exceptions instead.
    const quiet = { print: () => {}, printErr: () => {} };
    const options = locateWasm ? { ...quiet, locateFile: locateWasm } : quiet;
    pending = (async () => {
      try {
        const codec = await (await FACTORIES[name].wasm())(options);
        builds[name] = 'wasm';
        return codec;
      } catch {
        const codec = await (await FACTORIES[name].asm())(quiet);
        builds[name] = 'asm.js';
        return codec;
      }
    })();
    pending.catch(() => modules.delete(name));
    modules.set(name, pending);
  }
  return pending;
}

/** Runs one Cornerstone-style decoder: copy in, decode, copy out, free (its buffers live in wasm memory). */
async function runDecoder(name: CodecName, className: string, encoded: Uint8Array): Promise<DecodedFrame> {
  let codec;
  try {
    codec = await load(name);
  } catch (err) {
    throw new ImageDecodeError(`the ${name} WebAssembly codec did not load (${(err as Error).message}); check configureCodecs({ locateWasm }) points at its .wasm file`);
  }
  const decoder = new codec[className]();
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    try {
      decoder.decode();
    } catch (err) {
      // C++ exceptions arrive as numbers and leave the module sound; an abort or a trap
      // (WebAssembly.RuntimeError) may leave its heap corrupt, so the next file gets a fresh instance.
      if (typeof err !== 'number') modules.delete(name);
      throw new ImageDecodeError(`${name} could not decode the pixel data (${describe(codec, err)}); the file is truncated or corrupt`);
    }
    const info = decoder.getFrameInfo();
    const pixels = new Uint8Array(decoder.getDecodedBuffer()); // copy out before delete()
    return {
      width: info.width,
      height: info.height,
      bitsPerSample: info.bitsPerSample,
      componentCount: info.componentCount,
      isSigned: Boolean(info.isSigned),
      pixels,
    };
  } finally {
    try {
      decoder.delete();
    } catch {
      modules.delete(name); // the instance is broken; a fresh one loads on the next call
    }
  }
}

function describe(codec: any, err: unknown): string {
  // Emscripten throws C++ exceptions as pointers; ask the module for the text when it can.
  if (typeof err === 'number' && typeof codec.getExceptionMessage === 'function') {
    try {
      return String(codec.getExceptionMessage(err));
    } catch {
      /* fall through */
    }
  }
  return err instanceof Error ? err.message : String(err);
}

export const decodeJpeg2000 = (encoded: Uint8Array) => runDecoder('openjpeg', 'J2KDecoder', encoded);

/**
 * Image size and component count from a JPEG 2000 (or HTJ2K) codestream's SIZ marker segment
 * (ISO/IEC 15444-1 A.5.1), which must follow SOC; a JP2 file wraps the codestream in boxes, so the
 * first SOC+SIZ pair is looked for. Null when there is none.
 */
export function jpeg2000Geometry(bytes: Uint8Array): { width: number; height: number; components: number } | null {
  const limit = Math.min(bytes.length - 42, 64 * 1024);
  for (let i = 0; i <= limit; i++) {
    if (bytes[i] !== 0xff || bytes[i + 1] !== 0x4f || bytes[i + 2] !== 0xff || bytes[i + 3] !== 0x51) continue;
    const view = new DataView(bytes.buffer, bytes.byteOffset + i + 4, 38);
    const xsiz = view.getUint32(4);
    const ysiz = view.getUint32(8);
    const xosiz = view.getUint32(12);
    const yosiz = view.getUint32(16);
    return { width: xsiz - xosiz, height: ysiz - yosiz, components: view.getUint16(36) };
  }
  return null;
}
export const decodeJpegLs = (encoded: Uint8Array) => runDecoder('charls', 'JpegLSDecoder', encoded);
export const decodeJpegBaseline = (encoded: Uint8Array) => runDecoder('libjpeg-turbo', 'JPEGDecoder', encoded);
