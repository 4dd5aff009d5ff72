/**
 * tfjs's CPU backend prints a banner asking Node users to install tfjs-node (which would bypass
 * WebGPU entirely) through console.warn on its first tensor, on every CLI run that touches it.
 * `muteKnownConsoleWarnings` drops exactly that message; every other warning is passed on. Dawn's
 * native chatter is filtered from the stream instead (bin/stderr_filter.mjs). `--debug` shows all.
 */

/** tfjs-backend-cpu 4.22's Node banner, exactly as it passes it to console.warn. */
export const TFJS_NODE_BANNER =
  '\n============================\n' +
  'Hi, looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend, visit https://github.com/tensorflow/tfjs-node for more details. ' +
  '\n============================';

let muted = false;

export function muteKnownConsoleWarnings(): void {
  if (muted) return;
  muted = true;
  const warn = console.warn.bind(console);
  console.warn = (...args: unknown[]) => {
    if (args.length === 1 && args[0] === TFJS_NODE_BANNER) return;
    warn(...args);
  };
}
