/** A small, strict argv parser: unknown flags and bad values are errors that name the flag. */

/** The command line itself is wrong (exit code 2): a flag, a value, a missing argument. */
export class UsageError extends Error {}

/** The data or the environment is wrong (exit code 1) and the message already says what to do:
 * printed as it is, without the hint to rerun with --debug. */
export class CliError extends Error {}

export interface FlagSpec {
  /** 'string' | 'number' | 'int' | 'boolean', or a list of allowed string values */
  type: 'string' | 'number' | 'int' | 'boolean' | readonly string[];
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | number | boolean>;
}

export function parseArgs(argv: string[], spec: Record<string, FlagSpec>): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const s = spec[name];
    if (!s) {
      throw new UsageError(`unknown option --${name}. Known: ${Object.keys(spec).map((k) => `--${k}`).join(', ')}`);
    }
    if (s.type === 'boolean') {
      flags[name] = true;
      continue;
    }
    const raw = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    flags[name] = parseValue(name, raw, s.type);
  }
  return { positional, flags };
}

function parseValue(name: string, raw: string, type: FlagSpec['type']): string | number {
  if (Array.isArray(type)) {
    if (!type.includes(raw)) throw new UsageError(`--${name} must be one of ${type.join('|')}, got "${raw}"`);
    return raw;
  }
  if (type === 'number' || type === 'int') {
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
    if (type === 'int' && !Number.isInteger(value)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
    return value;
  }
  return raw;
}
