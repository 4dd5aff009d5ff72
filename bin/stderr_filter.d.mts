export declare const KNOWN_STDERR_LINES: readonly RegExp[];
export declare function createLineFilter(write: (text: string) => void, known?: readonly RegExp[]): { push(chunk: string): void; end(): void };
