/**
 * `gazecam <command>`: one table of commands, each in src/node/commands/<name>.ts exporting
 * `run(argv): Promise<number>` (the exit code). Commands load lazily so `gazecam inspect` does not
 * pay for tfjs or Dawn start-up.
 */
import { UsageError } from './args.ts';

type CommandModule = { run(argv: string[]): Promise<number>; usage: string };

// Each command registers here when its module lands: inspect, train, predict, demo, bench.
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  inspect: () => import('./commands/inspect.ts'),
  demo: () => import('./commands/demo.ts'),
  bench: () => import('./commands/bench.ts'),
  train: () => import('./commands/train.ts'),
  predict: () => import('./commands/predict.ts'),
};

const HELP = `gazecam: train gaze-supervised chest X-ray classifiers on WebGPU (Node, through Dawn)

usage: gazecam <command> [options]
  inspect <dataset> [--json]            dataset report: counts, splits, problems
  train <dataset> --out <run> [...]     train a ResNet with CAM-to-gaze supervision
  predict <run> <dataset> --out <dir>   probabilities, CAM overlays, --npy arrays
  demo <dir>                            write the built-in demo dataset
  bench [kernels|training] [--json]     benchmark suite

'gazecam <command> --help' shows a command's options.`;

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
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
    console.error(`gazecam ${name}: not available in this build (${(err as Error).message})`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`gazecam ${name}: ${err.message}\n\n${command.usage}`);
      return 2;
    }
    console.error(`gazecam ${name}: ${(err as Error).stack ?? err}`);
    return 1;
  }
}
