/**
 * The safe pickle reader on its own: plain data pickled by Python at every protocol (0-5) reads back
 * equal; allowed functions run only through REDUCE; refused globals stop the read before anything is
 * called; malformed and truncated pickles fail with a PickleError that says where.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ForbiddenGlobalError, PickleCallable, PickleDict, PickleError, isTuple, unpickle } from '../../src/engine/io/pickle.ts';
import { PYTHON } from '../model/torch_oracle.ts';

/** Python's pickle of `value` (a Python expression) at each protocol, as bytes. */
function pythonPickles(expression: string): Uint8Array[] {
  const script = `import pickle, sys\nv = ${expression}\nfor p in range(6): print(pickle.dumps(v, protocol=p).hex())\n`;
  const r = spawnSync(PYTHON, ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${PYTHON} failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
}

/** Plain JS for comparison: dicts as entry lists, tuples marked. */
function plain(v: unknown): unknown {
  if (v instanceof PickleDict) return { dict: [...v].map(([k, x]) => [plain(k), plain(x)]) };
  if (Array.isArray(v)) return isTuple(v) ? { tuple: v.map(plain) } : (v as unknown[]).map(plain);
  if (v instanceof Set) return { set: [...v].map(plain).sort() };
  if (typeof v === 'bigint') return `${v}n`;
  return v;
}

const refuseAll = { resolveGlobal: () => undefined };

const bytesOf = (...parts: Array<number | string>) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...Buffer.from(p, 'latin1')])));

describe('safe pickle reader', () => {
  it('reads plain data pickled by Python at protocols 0 to 5', () => {
    const expression =
      "{'a': 1, 'neg': -300, 'big': 2**70, 'small': -2**63, 'f': 1.5, 'e': -2.5e-8, 't': True, 'n': None, " +
      "'s': 'caf\\u00e9 \\u2603 \\\\ line\\nbreak', 'list': [1, (2, 3), [], ()], 'nested': {'k': (4,)}, 'fs': frozenset([1, 2])}";
    const expected = {
      dict: [
        ['a', 1], ['neg', -300], ['big', '1180591620717411303424n'], ['small', '-9223372036854775808n'],
        ['f', 1.5], ['e', -2.5e-8], ['t', true], ['n', null], ['s', 'café ☃ \\ line\nbreak'],
        ['list', [1, { tuple: [2, 3] }, [], { tuple: [] }]], ['nested', { dict: [['k', { tuple: [4] }]] }],
        ['fs', { set: [1, 2] }],
      ],
    };
    const pickles = pythonPickles(expression);
    expect(pickles).toHaveLength(6);
    pickles.forEach((bytes, protocol) => {
      // frozenset pickles as a call to builtins.frozenset below protocol 4: allow just that here.
      const resolveGlobal = (module: string, name: string) =>
        (module === 'builtins' || module === '__builtin__') && name === 'frozenset'
          ? new PickleCallable('frozenset', (args) => new Set(args[0] as unknown[]))
          : undefined;
      expect(plain(unpickle(bytes, { resolveGlobal })), `protocol ${protocol}`).toEqual(expected);
    });
  });

  it('a refused GLOBAL stops the read before anything is called', () => {
    // cos\nsystem\n(S'touch x'\ntR.  -- protocol 0's classic payload.
    const calls: string[] = [];
    const resolveGlobal = (module: string, name: string) => {
      calls.push(`${module}.${name}`);
      return undefined;
    };
    const err = (() => {
      try {
        unpickle(bytesOf("cos\nsystem\n(S'touch x'\ntR."), { resolveGlobal });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(ForbiddenGlobalError);
    expect((err as ForbiddenGlobalError).qualifiedName).toBe('os.system');
    expect(calls).toEqual(['os.system']);
    // STACK_GLOBAL (protocol 4) and INST are refused the same way.
    expect(() => unpickle(bytesOf(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, '.'), refuseAll)).toThrow(ForbiddenGlobalError);
    expect(() => unpickle(bytesOf('(ios\nsystem\n.'), refuseAll)).toThrow(/os\.system/);
  });

  it('allowed functions run only through REDUCE, with their tuple', () => {
    const seen: unknown[] = [];
    const resolveGlobal = (module: string, name: string) =>
      module === 'm' && name === 'f' ? new PickleCallable('m.f', (args) => (seen.push(plain(args)), 'result')) : undefined;
    // GLOBAL m.f, then REDUCE with (1, 'x'):
    const value = unpickle(bytesOf(0x80, 2, 'cm\nf\n', 'K', 1, 'X', 1, 0, 0, 0, 'x', 0x86, 'R.'), { resolveGlobal });
    expect(value).toBe('result');
    expect(seen).toEqual([{ tuple: [1, 'x'] }]);
    // REDUCE on something that is not an allowed function, and object construction, are refused.
    expect(() => unpickle(bytesOf(0x80, 2, 'K', 1, ')R.'), refuseAll)).toThrow(/not an allowed function/);
    expect(() => unpickle(bytesOf(0x80, 2, 'cm\nf\n', ')', 0x81, '.'), { resolveGlobal })).toThrow(/constructs an object/);
  });

  it('malformed and truncated pickles fail with a PickleError that says where', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [bytesOf(0x80, 2, 'X', 100, 0, 0, 0, 'abc'), /ends inside its data/],
      [bytesOf(0x80, 2, 'h', 7, '.'), /memo entry 7 was never stored/],
      [bytesOf(0x80, 2, '.'), /stack is empty/],
      [bytesOf(0x80, 2, ')K', 1, 'K', 2, 's.'), /not a dict/],
      [bytesOf(0x80, 2, ')K', 1, 'a.'), /not a list/],
      [bytesOf(0x80, 2, 't.'), /no MARK/],
      [bytesOf(0x80, 2, 0xff, '.'), /opcode 0xff/],
      [bytesOf(0x80, 9, 'N.'), /protocol 9/],
      [bytesOf(0x80, 2, '(N.'), /STOP inside an open MARK/],
      [bytesOf(0x80, 2, 'N'), /ends inside its data/],
    ];
    for (const [bytes, message] of cases) {
      let caught: unknown = null;
      try {
        unpickle(bytes, refuseAll);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(message)).toBeInstanceOf(PickleError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).toMatch(/at byte \d+/);
    }
  });
});
