// The codec packages ship Emscripten factories without type declarations; these are the parts used.
declare module '@cornerstonejs/codec-openjpeg/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    /** a Uint8Array or Uint16Array view of the samples (the typings upstream say ArrayBuffer) */
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): ArrayBufferView | ArrayBuffer;
  }
}
declare module '@cornerstonejs/codec-openjpeg/decodewasmjs' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decodewasmjs' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string; print?: (s: string) => void; printErr?: (s: string) => void }) => Promise<any>;
  export default factory;
}
