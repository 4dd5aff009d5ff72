/**
 * A safe reader for the pickles inside `torch.save` archives (protocol 2; the binary opcodes of
 * protocols 0-5 that plain data uses). Python's own unpickler imports and calls whatever a GLOBAL
 * names, which is how a weights file can run code on the machine that loads it. This one is a small
 * stack machine that only builds plain data (numbers, strings, tuples, lists, dicts) and asks the
 * caller for every GLOBAL: a name outside the caller's allow-list stops the read right there, before
 * anything is called. Nothing in a pickle is ever executed here; REDUCE only calls the TypeScript
 * functions the caller handed out for allowed names.
 */

/** A callable the caller allows (e.g. `collections.OrderedDict`); REDUCE calls it with the tuple. */
export class PickleCallable {
  constructor(
    readonly qualifiedName: string,
    readonly call: (args: readonly unknown[]) => unknown,
  ) {}
}

/** A Python dict (or OrderedDict). BUILD on it stores the state in `attributes` (torch's
 *  `state_dict()._metadata` arrives that way). */
export class PickleDict extends Map<unknown, unknown> {
  attributes: unknown = undefined;
}

export class PickleError extends Error {
  override name = 'PickleError';
}

/** A GLOBAL (or INST/STACK_GLOBAL) outside the allow-list; raised before it is used. */
export class ForbiddenGlobalError extends PickleError {
  override name = 'ForbiddenGlobalError';
  constructor(
    readonly module: string,
    readonly globalName: string,
  ) {
    super(`the pickle references ${module}.${globalName}, which is not on the allow-list`);
  }

  get qualifiedName(): string {
    return `${this.module}.${this.globalName}`;
  }
}

export interface UnpickleOptions {
  /** The value a GLOBAL stands for, or undefined to refuse it (ForbiddenGlobalError). */
  resolveGlobal(module: string, name: string): unknown;
  /** What a persistent id (BINPERSID/PERSID) loads; without it, persistent ids are refused. */
  persistentLoad?(pid: unknown): unknown;
}

/** Tuples are frozen arrays: APPEND on one fails, and callers can tell them from lists. */
export function isTuple(value: unknown): value is readonly unknown[] {
  return Array.isArray(value) && Object.isFrozen(value);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Reads one pickle from `bytes`; returns the value STOP leaves on the stack. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const memo = new Map<number, unknown>();
  let stack: unknown[] = [];
  const metastack: unknown[][] = [];
  let pos = 0;
  let opPos = 0;
  let opName = '';

  const fail = (message: string): never => {
    throw new PickleError(`${message} (opcode ${opName} at byte ${opPos})`);
  };
  const need = (n: number): number => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > bytes.byteLength) {
      fail(`the pickle ends inside its data: ${n} more bytes needed at byte ${pos} of ${bytes.byteLength} (truncated file?)`);
    }
    const at = pos;
    pos += n;
    return at;
  };
  const u8 = () => bytes[need(1)];
  const u16 = () => view.getUint16(need(2), true);
  const u32 = () => view.getUint32(need(4), true);
  const i32 = () => view.getInt32(need(4), true);
  const u64 = () => {
    const v = view.getBigUint64(need(8), true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} is beyond what this reader handles`);
    return Number(v);
  };
  const raw = (n: number) => bytes.subarray(need(n), pos);
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument has no end of line (truncated file?)');
    const s = latin1.decode(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const text = (n: number): string => {
    const data = raw(n); // outside the try: a truncation is reported as such
    try {
      return utf8.decode(data);
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('the stack is empty (malformed pickle)');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('the stack is empty (malformed pickle)');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const outer = metastack.pop();
    if (!outer) fail('no MARK to pop to (malformed pickle)');
    stack = outer!;
    return items;
  };
  const tuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
  const asList = (v: unknown): unknown[] => {
    if (!Array.isArray(v) || isTuple(v)) fail('APPEND onto something that is not a list');
    return v as unknown[];
  };
  const asDict = (v: unknown): PickleDict => {
    if (!(v instanceof PickleDict)) fail('SETITEM onto something that is not a dict');
    return v as PickleDict;
  };
  const global = (module: string, name: string): unknown => {
    const value = options.resolveGlobal(module, name);
    if (value === undefined) throw new ForbiddenGlobalError(module, name);
    return value;
  };
  const persistent = (pid: unknown): unknown => {
    if (!options.persistentLoad) fail('persistent ids are not allowed here');
    return options.persistentLoad!(pid);
  };
  const memoIndex = (i: number): unknown => {
    if (!memo.has(i)) fail(`memo entry ${i} was never stored (malformed pickle)`);
    return memo.get(i);
  };
  const integer = (n: bigint): number | bigint =>
    n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
  const longLE = (data: Uint8Array): number | bigint => {
    if (data.length === 0) return 0;
    let n = 0n;
    for (let i = data.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(data[i]);
    if (data[data.length - 1] & 0x80) n -= 1n << BigInt(8 * data.length);
    return integer(n);
  };

  while (true) {
    opPos = pos;
    const op = u8();
    opName = `0x${op.toString(16).padStart(2, '0')}`;
    switch (op) {
      case 0x80: { // PROTO
        const version = u8();
        if (version > 5) fail(`pickle protocol ${version} is newer than this reader (0-5)`);
        break;
      }
      case 0x95: // FRAME: a length hint only
        need(8);
        break;
      case 0x2e: // STOP '.'
        if (metastack.length > 0) fail('STOP inside an open MARK (malformed pickle)');
        return pop();

      case 0x28: // MARK '('
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: // POP '0'
        pop();
        break;
      case 0x31: // POP_MARK '1'
        popMark();
        break;
      case 0x32: // DUP '2'
        stack.push(top());
        break;

      case 0x4e: // NONE 'N'
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT 'J'
        stack.push(i32());
        break;
      case 0x4b: // BININT1 'K'
        stack.push(u8());
        break;
      case 0x4d: // BININT2 'M'
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(longLE(raw(u8())));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0) fail('negative LONG4 length');
        stack.push(longLE(raw(n)));
        break;
      }
      case 0x49: { // INT 'I' (text; "00"/"01" are False/True)
        const s = line();
        if (s === '00' || s === '01') stack.push(s === '01');
        else if (/^[-+]?\d+$/.test(s)) stack.push(integer(BigInt(s)));
        else fail(`INT argument "${s}" is not an integer`);
        break;
      }
      case 0x4c: { // LONG 'L' (text, trailing L)
        const s = line().replace(/L$/, '');
        if (!/^[-+]?\d+$/.test(s)) fail(`LONG argument "${s}" is not an integer`);
        stack.push(integer(BigInt(s)));
        break;
      }
      case 0x47: // BINFLOAT 'G' (big-endian, as pickle writes it)
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x46: { // FLOAT 'F' (text)
        const f = Number(line());
        if (Number.isNaN(f)) fail('FLOAT argument is not a number');
        stack.push(f);
        break;
      }

      case 0x58: // BINUNICODE 'X'
        stack.push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(text(u64()));
        break;
      case 0x56: // UNICODE 'V' (protocol 0: raw-unicode-escape, one line)
        stack.push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, u4: string, u8hex: string) =>
          String.fromCodePoint(parseInt(u4 ?? u8hex, 16))));
        break;
      case 0x54: // BINSTRING 'T' (Python 2 str)
        stack.push(latin1.decode(raw(i32())));
        break;
      case 0x55: // SHORT_BINSTRING 'U'
        stack.push(latin1.decode(raw(u8())));
        break;
      case 0x42: // BINBYTES 'B'
        stack.push(raw(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES 'C'
        stack.push(raw(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(raw(u64()).slice());
        break;

      case 0x29: // EMPTY_TUPLE ')'
        stack.push(tuple([]));
        break;
      case 0x74: { // TUPLE 't'
        const items = popMark(); // before stack.push: popMark switches `stack`
        stack.push(tuple(items));
        break;
      }
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(tuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(tuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST ']'
        stack.push([]);
        break;
      case 0x6c: { // LIST 'l'
        const items = popMark();
        stack.push(items);
        break;
      }
      case 0x61: { // APPEND 'a'
        const v = pop();
        asList(top()).push(v);
        break;
      }
      case 0x65: { // APPENDS 'e'
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT '}'
        stack.push(new PickleDict());
        break;
      case 0x64: { // DICT 'd'
        const items = popMark();
        if (items.length % 2 !== 0) fail('DICT with an odd number of items');
        const d = new PickleDict();
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM 's'
        const v = pop();
        const k = pop();
        asDict(top()).set(k, v);
        break;
      }
      case 0x75: { // SETITEMS 'u'
        const items = popMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const d = asDict(top());
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail('ADDITEMS onto something that is not a set');
        for (const item of items) (s as Set<unknown>).add(item);
        break;
      }
      case 0x91: { // FROZENSET
        const items = popMark();
        stack.push(new Set(items));
        break;
      }

      case 0x70: // PUT 'p'
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT 'q'
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT 'r'
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET 'g'
        stack.push(memoIndex(Number(line())));
        break;
      case 0x68: // BINGET 'h'
        stack.push(memoIndex(u8()));
        break;
      case 0x6a: // LONG_BINGET 'j'
        stack.push(memoIndex(u32()));
        break;

      case 0x63: { // GLOBAL 'c'
        const module = line();
        const name = line();
        stack.push(global(module, name));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x69: { // INST 'i': instantiates a class named inline
        const module = line();
        const name = line();
        throw new ForbiddenGlobalError(module, name);
      }
      case 0x52: { // REDUCE 'R'
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PickleCallable)) fail('REDUCE calls something that is not an allowed function');
        if (!isTuple(args)) fail('REDUCE arguments are not a tuple');
        stack.push((fn as PickleCallable).call(args as readonly unknown[]));
        break;
      }
      case 0x62: { // BUILD 'b'
        const state = pop();
        const obj = top();
        if (obj instanceof PickleDict) obj.attributes = state;
        else fail('BUILD sets the state of an object; a state_dict holds none besides its dicts');
        break;
      }
      case 0x51: // BINPERSID 'Q'
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID 'P'
        stack.push(persistent(line()));
        break;

      case 0x6f: // OBJ 'o'
      case 0x81: // NEWOBJ
      case 0x92: // NEWOBJ_EX
        fail('the pickle constructs an object of a class; a state_dict holds only tensors in dicts');
        break;
      case 0x82: // EXT1
      case 0x83: // EXT2
      case 0x84: // EXT4
        fail('the pickle refers to the copyreg extension registry, which this reader does not use');
        break;
      default:
        fail(`opcode ${opName} is not one a state_dict pickle uses`);
    }
  }
}
