// Preloaded into `gazecam` by test/cli_errors.test.ts (node --import) to play the libraries' part:
// Dawn's two known lines and look-alikes written straight to file descriptor 2, as native code
// does, and tfjs's banner plus another warning through console.warn once the command has run.
// bin/gazecam.mjs starts the CLI as a child with GAZECAM_CLI_CHILD=1 (with --debug it runs in-process
// instead); the filtering parent stays quiet.
import { writeSync } from 'node:fs';

if (process.env.GAZECAM_CLI_CHILD === '1' || process.argv.includes('--debug')) {
  writeSync(2, 'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n');
  writeSync(2, 'Warning: maxDynamicStorageBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\n');
  writeSync(2, 'Warning: maxDynamicUniformBuffersPerPipelineLayout is lower than the 8 this program needs.\n');
  writeSync(2, 'Warning: the adapter lost its device (test warning that must stay visible).\n');
  process.once('beforeExit', () => {
    console.warn(
      '\n============================\n' +
        'Hi, looks like you are running TensorFlow.js in Node.js. To speed things up dramatically, install our node backend, visit https://github.com/tensorflow/tfjs-node for more details. ' +
        '\n============================',
    );
    console.warn('tfjs: a kernel fell back to the CPU (test warning that must stay visible)');
  });
}
