/**
 * zlib inflate through the platform's native Compression Streams API (browsers, workers and
 * Node >= 18 all have DecompressionStream). A 2048x2048 16-bit radiograph is 8 MB of deflate
 * output: native zlib inflates it about 3x faster than the pure-JS inflate inside fast-png,
 * which is most of the decode time.
 */
export const hasNativeInflate = typeof DecompressionStream === 'function' && typeof Blob === 'function';

/** The stream inflated to more than the caller allowed (a corrupt or hostile "zip bomb"). */
export class InflateLimitError extends Error {
  override name = 'InflateLimitError';
}

export interface InflateLimit {
  /** bytes the caller can use at most */
  maxBytes: number;
  /** 'stop': return the first maxBytes and ignore the rest (PNG: extra data after the last row);
   * 'refuse': throw InflateLimitError */
  beyond: 'stop' | 'refuse';
}

/**
 * Inflates `data`; with a limit, memory stays bounded whatever the stream claims: 1 KB of deflate
 * can expand to 1 MB, so a small corrupt file could otherwise take gigabytes.
 */
export async function inflateZlib(data: Uint8Array, format: 'deflate' | 'deflate-raw' = 'deflate', limit?: InflateLimit): Promise<Uint8Array> {
  const reader = new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream(format)).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (limit && total + value.length > limit.maxBytes) {
      reader.cancel().catch(() => {});
      if (limit.beyond === 'refuse') throw new InflateLimitError(`inflates to more than ${limit.maxBytes} bytes`);
      chunks.push(value.subarray(0, limit.maxBytes - total));
      total = limit.maxBytes;
      break;
    }
    chunks.push(value);
    total += value.length;
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
