/**
 * `gazecam <command>`: one table of commands, each in src/node/commands/<name>.ts exporting
 * `run(argv): Promise<number>` (the exit code). Commands load lazily so `gazecam inspect` does not
 * pay for tfjs or Dawn start-up.
 */
import { CliError, UsageError } from './args.ts';
import { muteKnownConsoleWarnings } from './chatter.ts';

type CommandModule = { run(argv: string[]): Promise<number>; usage: string };

// Each command registers here when its module lands: inspect, train, predict, demo, bench.
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  inspect: () => import('./commands/inspect.ts'),
  demo: () => import('./commands/demo.ts'),
  bench: () => import('./commands/bench.ts'),
  train: () => import('./commands/train.ts'),
  predict: () => import('./commands/predict.ts'),
  prepare: () => import('./commands/prepare.ts'),
  compare: () => import('./commands/compare.ts'),
};

const HELP = `gazecam: train gaze-supervised chest X-ray classifiers on WebGPU (Node, through Dawn)

usage: gazecam <command> [options]
  inspect <dataset> [--json]            dataset report: counts, splits, problems
  train <dataset> --out <run> [...]     train a ResNet with CAM-to-gaze supervision
  predict <run> <dataset> --out <dir>   probabilities, CAM overlays, --npy arrays
  compare <dataset> --out <dir> --runs  methods x seeds, then mean ± sd and paired differences
  demo <dir>                            write the built-in demo dataset
  prepare <dataset> --out <dir> [...]   preprocess once into .npy shards for PyTorch (torchrun)
  bench [kernels|training] [--json]     benchmark suite

'gazecam <command> --help' shows a command's options. --debug (any command) adds stack traces to
errors and shows library warnings that are filtered as known-harmless. Exit codes: 0 done, 1 data
or runtime error, 2 wrong command line.`;

export async function main(argv: string[]): Promise<number> {
  // --debug may stand anywhere; commands never see it.
  const debug = argv.includes('--debug') || process.env.GAZECAM_DEBUG === '1';
  if (!debug) muteKnownConsoleWarnings();
  const [name, ...rest] = argv.filter((a) => a !== '--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    console.error(`gazecam: unknown command "${name}". Commands: ${Object.keys(COMMANDS).join(', ')}.`);
    return 2;
  }
  let command: CommandModule;
  try {
    command = await load();
  } catch (err) {
    if (debug) console.error(err);
    console.error(`gazecam ${name}: not available in this build (${oneLine((err as Error).message)}); run 'npm ci' in the repository, or rerun with --debug`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    return reportError(name, err, debug);
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/**
 * One line on stderr and the exit code: 2 for a wrong command line, 1 for everything else. The
 * stack trace only with --debug; errors we did not anticipate say how to get it.
 */
export function reportError(command: string, err: unknown, debug = false): number {
  if (debug) console.error(err);
  if (err instanceof UsageError) {
    console.error(`gazecam ${command}: ${oneLine(err.message)}. See 'gazecam ${command} --help'.`);
    return 2;
  }
  const expected = err instanceof CliError;
  const text = oneLine(describeError(err));
  console.error(`gazecam ${command}: ${text}${expected || debug ? '' : ' (rerun with --debug for the stack trace)'}`);
  return 1;
}

/** File system errors from Node name the syscall and errno; say what went wrong with which path. */
function describeError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (!(err instanceof Error)) return String(err);
  const path = e.path ? String(e.path) : undefined;
  if (e.code && path) {
    switch (e.code) {
      case 'ENOENT':
        return `${path} does not exist; check the path`;
      case 'EACCES':
      case 'EPERM':
        return `permission denied on ${path}; check its permissions or choose another path`;
      case 'ENOSPC':
        return `no space left on the disk while writing ${path}; free some space or choose another --out`;
      case 'ENOTDIR':
        return `${path}: part of this path is a file, not a folder; choose another path`;
      case 'EISDIR':
        return `${path} is a folder where a file was expected; pass the file`;
      case 'EROFS':
        return `${path} is on a read-only file system; choose another --out`;
    }
  }
  return e.message || e.name;
}
