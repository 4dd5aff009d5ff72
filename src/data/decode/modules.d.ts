// The codec packages ship Emscripten factories without type declarations; these are the parts used.
declare module '@cornerstonejs/codec-openjpeg/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string }) => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/decode' {
  const factory: (options?: { locateFile?: (path: string, prefix: string) => string }) => Promise<any>;
  export default factory;
}
declare module 'jpeg-lossless-decoder-js' {
  export class Decoder {
    decode(buffer: ArrayBuffer, offset?: number, length?: number, numBytes?: number): ArrayBuffer;
  }
}
