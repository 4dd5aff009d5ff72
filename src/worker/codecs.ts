/**
 * Where the DICOM codecs' WebAssembly files are served from. Emscripten looks for them beside the
 * bundle's chunk by default, which a Vite build renames and moves; `?url` imports make Vite emit each
 * .wasm as an asset and give us its final URL (same origin: allowed by connect-src 'self').
 * Compiling them needs 'wasm-unsafe-eval' in script-src, which permits WebAssembly only, not eval.
 * Without them src/data falls back to the asm.js builds, 10-14x slower.
 */
import { configureCodecs } from '../data/index.ts';
import charlsWasm from '@cornerstonejs/codec-charls/decodewasm?url';
import libjpegTurboWasm from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm?url';
import openjpegWasm from '@cornerstonejs/codec-openjpeg/decodewasm?url';

const WASM_URLS: Record<string, string> = {
  'openjpegwasm_decode.wasm': openjpegWasm,
  'charlswasm_decode.wasm': charlsWasm,
  'libjpegturbowasm_decode.wasm': libjpegTurboWasm,
};

export function configureBrowserCodecs(): void {
  configureCodecs({ locateWasm: (fileName, prefix) => WASM_URLS[fileName] ?? prefix + fileName });
}
