// Untyped packages used only by scripts/make-data-fixtures.ts (the full codec builds carry encoders).
declare module 'dcmjs' {
  const dcmjs: any;
  export default dcmjs;
}
declare module '@cornerstonejs/codec-openjpeg' {
  const factory: () => Promise<any>;
  export default factory;
}
declare module '@cornerstonejs/codec-charls' {
  const factory: () => Promise<any>;
  export default factory;
}
