// Known-harmless native chatter, dropped from the CLI's stderr so that real warnings stand out.
// Plain JavaScript: the process that filters must start fast, without the TypeScript loader.
//
// Dawn (the `webgpu` package) prints two "artificially reduced" limit warnings for every device it
// creates on lavapipe and other Vulkan drivers that report unbounded dynamic buffer counts. It
// writes them from native code straight to file descriptor 2, where no JavaScript hook reaches.
// Each pattern matches one exact known line; everything else passes through untouched.

/** @type {readonly RegExp[]} */
export const KNOWN_STDERR_LINES = [
  /^Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
  /^Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from \d+ to \d+ to fit dynamic offset allocation limit\.$/,
];

// What every known line starts with: a partial line that could still become one is held back.
const KNOWN_PREFIX = 'Warning: maxDynamic';

/**
 * Passes text through `write`, dropping complete lines that match `known`. Progress bars redraw
 * with '\r' and no newline, so a partial line is written at once unless it could still turn into
 * a known line; a line whose start was already written is never held back.
 * @param {(text: string) => void} write
 * @param {readonly RegExp[]} [known]
 * @returns {{ push(chunk: string): void; end(): void }}
 */
export function createLineFilter(write, known = KNOWN_STDERR_LINES) {
  let pending = '';
  let midLine = false;
  /** @param {string} s */
  const couldBeKnown = (s) => KNOWN_PREFIX.startsWith(s) || s.startsWith(KNOWN_PREFIX);
  return {
    push(chunk) {
      let text = pending + chunk;
      pending = '';
      let out = '';
      for (;;) {
        const cut = text.search(/[\r\n]/);
        if (cut < 0) break;
        // '\r\n' ends one line; a lone '\r' ends a progress redraw.
        const end = text[cut] === '\r' && text[cut + 1] === '\n' ? cut + 2 : cut + 1;
        const line = text.slice(0, cut);
        if (midLine || !known.some((re) => re.test(line))) out += text.slice(0, end);
        midLine = false;
        text = text.slice(end);
      }
      if (text) {
        if (!midLine && couldBeKnown(text)) pending = text;
        else {
          out += text;
          midLine = true;
        }
      }
      if (out) write(out);
    },
    end() {
      if (pending) write(pending);
      pending = '';
    },
  };
}
