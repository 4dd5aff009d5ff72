/**
 * `torch.save` archives (the zip format PyTorch writes since 1.6, what torchvision publishes its
 * ImageNet ResNets as) read without Python: `<prefix>/data.pkl` is a protocol-2 pickle of the
 * state_dict whose tensors point, through persistent ids, at raw little-endian storages in
 * `<prefix>/data/<key>`; `<prefix>/version` and (newer PyTorch) `<prefix>/byteorder` sit beside.
 *
 * A pickle can run code (its GLOBALs name any Python function), so the pickle goes through the safe
 * reader in pickle.ts with an allow-list of the tensor-rebuild functions a state_dict uses; any other
 * name (os.system, builtins.eval, a model class from `torch.save(model)`) is refused and never
 * executed. Tensors come out as torchvision-named SafetensorsTensors, contiguous, in their own dtype
 * (torchvision.ts casts floats and checks names and shapes).
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { ForbiddenGlobalError, PickleCallable, PickleDict, PickleError, isTuple, unpickle } from './pickle.ts';
import { DTYPE_BYTES, numElements, type SafetensorsDtype, type SafetensorsTensor } from './safetensors.ts';

/** Every refusal or read error of a weights file: one line that names the file and says what to do. */
export class WeightsFileError extends Error {
  override name = 'WeightsFileError';
  constructor(
    readonly fileName: string,
    readonly reason: string,
  ) {
    super(`${fileName}: ${reason}`);
  }
}

export interface TorchPthFile {
  /** Torchvision-named tensors in the archive's order, PyTorch layout, contiguous. */
  tensors: Map<string, SafetensorsTensor>;
  /** Where the state_dict sat: '' at the top level, else the checkpoint key ('state_dict', 'model', ...). */
  source: string;
  /** The prefix removed from every name ('module.' from DistributedDataParallel, '_orig_mod.' from
   *  torch.compile), or '' when none. */
  strippedPrefix: string;
}

/** `torch.<Name>Storage` -> the dtype of its elements. Complex and quantized storages are absent on
 *  purpose: no ResNet weight uses them. */
const STORAGE_DTYPES: Record<string, SafetensorsDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

/** Keys under which training scripts commonly nest the state_dict in a checkpoint dict. */
export const CHECKPOINT_KEYS = ['state_dict', 'model_state_dict', 'model'] as const;

/** Prefixes wrappers add to every name; removed when every name carries them. */
const WRAPPER_PREFIXES = ['module.', '_orig_mod.'];

/** Modules whose names in a pickle mean "run this code" rather than "a model class". */
const CODE_MODULES = new Set([
  'builtins', '__builtin__', 'os', 'posix', 'nt', 'subprocess', 'sys', 'shutil', 'socket', 'importlib', 'runpy',
  'pickle', '_pickle', 'marshal', 'types', 'ctypes', 'code', 'codecs', 'webbrowser', 'pty', 'commands', 'platform',
  'functools', 'operator', 'torch.storage', 'torch.serialization',
]);

export function isZipArchive(bytes: Uint8Array): boolean {
  // Local file header, or the end-of-central-directory record of an empty archive.
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));
}

/** A bare pickle: what `torch.save` wrote before 1.6 (or with `_use_new_zipfile_serialization=False`). */
export function isBarePickle(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

class StorageType {
  constructor(
    readonly qualifiedName: string,
    readonly dtype: SafetensorsDtype,
  ) {}
}

class Storage {
  constructor(
    readonly key: string,
    readonly dtype: SafetensorsDtype,
    readonly numel: number,
    readonly bytes: Uint8Array,
  ) {}
}

class Tensor {
  constructor(readonly value: SafetensorsTensor) {}
}

function isIntList(v: unknown): v is readonly number[] {
  return isTuple(v) && v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0);
}

/** Elements `offset + sum(i_k * stride_k)` gathered into a contiguous row-major copy. */
function gather(storage: Storage, offset: number, shape: readonly number[], stride: readonly number[]): Uint8Array {
  const es = DTYPE_BYTES[storage.dtype];
  const n = numElements(shape);
  const contiguous = shape.every((_, k) => shape[k] === 1 || stride[k] === numElements(shape.slice(k + 1)));
  if (contiguous) return storage.bytes.subarray(offset * es, (offset + n) * es);
  const out = new Uint8Array(n * es);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  let src = offset;
  for (let i = 0; i < n; i++) {
    out.set(storage.bytes.subarray(src * es, src * es + es), i * es);
    // Odometer over the index, innermost dimension fastest.
    for (let k = rank - 1; k >= 0; k--) {
      index[k]++;
      src += stride[k];
      if (index[k] < shape[k]) break;
      src -= stride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/** `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
function rebuildTensor(args: readonly unknown[]): Tensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Storage)) throw new PickleError('_rebuild_tensor_v2: its first argument is not a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new PickleError('_rebuild_tensor_v2: bad storage offset');
  if (!isIntList(size) || !isIntList(stride) || size.length !== stride.length) {
    throw new PickleError('_rebuild_tensor_v2: size and stride must be tuples of the same length of non-negative integers');
  }
  const n = numElements(size);
  const last = (offset as number) + size.reduce((acc, d, k) => acc + (d - 1) * stride[k], 0);
  if (n > 0 && last >= storage.numel) {
    throw new PickleError(
      `a tensor of size [${size.join(', ')}] (stride [${stride.join(', ')}], offset ${offset}) reaches element ${last} ` +
        `of storage ${storage.key}, which holds ${storage.numel}`,
    );
  }
  const data = n === 0 ? new Uint8Array(0) : gather(storage, offset as number, size, stride);
  return new Tensor({ dtype: storage.dtype, shape: [...size], data });
}

function resolveGlobal(module: string, name: string): unknown {
  if (module === 'collections' && name === 'OrderedDict') {
    return new PickleCallable('collections.OrderedDict', (args) => {
      const d = new PickleDict();
      const items = args[0];
      if (Array.isArray(items)) {
        for (const pair of items) if (Array.isArray(pair) && pair.length === 2) d.set(pair[0], pair[1]);
      }
      return d;
    });
  }
  if (module === 'torch._utils') {
    if (name === '_rebuild_tensor_v2') return new PickleCallable('torch._utils._rebuild_tensor_v2', rebuildTensor);
    // nn.Parameter (a whole module's tensors, or a dict of parameters): the tensor is its first argument.
    if (name === '_rebuild_parameter' || name === '_rebuild_parameter_with_state') {
      return new PickleCallable(`torch._utils.${name}`, (args) => {
        if (!(args[0] instanceof Tensor)) throw new PickleError(`${name}: its first argument is not a tensor`);
        return args[0];
      });
    }
  }
  if (module === 'torch' && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, name)) {
    return new StorageType(`torch.${name}`, STORAGE_DTYPES[name]);
  }
  return undefined;
}

/** Modules whose classes make up a model: their names in a pickle mean `torch.save(model)`. */
const MODEL_MODULE = /^(torch\.nn|torchvision|timm|__main__|__torch__)(\.|$)/;

/** Why a refused global was refused, and what to do instead. */
function refusal(err: ForbiddenGlobalError): string {
  const q = err.qualifiedName;
  const save = 'Save only the weights: torch.save(model.state_dict(), "weights.pth")';
  if (CODE_MODULES.has(err.module) || CODE_MODULES.has(err.module.split('.')[0])) {
    return `refused: the pickle calls ${q}, which is not one of the tensor-rebuild functions a state_dict uses; ` +
      `a pickle can run code, so it was never executed. ${save}`;
  }
  if (MODEL_MODULE.test(err.module)) {
    return `refused: this looks like a whole pickled model (torch.save(model)): its pickle names the class ${q}, and ` +
      `rebuilding it would run Python code, so it was not read. ${save}`;
  }
  if (err.module === 'torch' || err.module.startsWith('torch.')) {
    return `refused: the pickle uses ${q}, which is not one of the plain-tensor rebuild functions a state_dict uses ` +
      `(a tensor subclass, sparse or quantized tensor, or special dtype). ${save}`;
  }
  return `refused: the pickle uses ${q}, a Python object that is not part of a state_dict (a whole model, or an ` +
    `extra saved in a checkpoint); rebuilding it would run Python code, so it was not read. ${save}`;
}

function describeValue(v: unknown): string {
  if (v instanceof Tensor) return 'tensor';
  if (v instanceof PickleDict) return 'dict';
  if (Array.isArray(v)) return isTuple(v) ? 'tuple' : 'list';
  if (v === null) return 'None';
  return typeof v;
}

function tensorEntries(d: PickleDict): Array<[string, SafetensorsTensor]> | null {
  if (d.size === 0) return null;
  const out: Array<[string, SafetensorsTensor]> = [];
  for (const [k, v] of d) {
    if (typeof k !== 'string' || !(v instanceof Tensor)) return null;
    out.push([k, v.value]);
  }
  return out;
}

/** Finds the state_dict: the top-level dict of tensors, or one under a checkpoint key. */
function findStateDict(root: unknown, fileName: string): { entries: Array<[string, SafetensorsTensor]>; source: string } {
  if (!(root instanceof PickleDict)) {
    throw new WeightsFileError(fileName, `holds a ${describeValue(root)}, not a state_dict (a dict of tensors); save model.state_dict()`);
  }
  const direct = tensorEntries(root);
  if (direct) return { entries: direct, source: '' };
  for (const key of CHECKPOINT_KEYS) {
    const nested = root.get(key);
    if (nested instanceof PickleDict) {
      const entries = tensorEntries(nested);
      if (entries) return { entries, source: key };
    }
  }
  const keys = [...root.keys()].slice(0, 8).map((k) => `${String(k)} (${describeValue(root.get(k))})`);
  throw new WeightsFileError(
    fileName,
    `holds a dict that is not a state_dict (keys: ${keys.join(', ')}${root.size > 8 ? ', ...' : ''}) and has none under ` +
      `${CHECKPOINT_KEYS.map((k) => `"${k}"`).join(', ')}; save model.state_dict() on its own`,
  );
}

function stripWrapperPrefixes(entries: Array<[string, SafetensorsTensor]>): { entries: Array<[string, SafetensorsTensor]>; stripped: string } {
  let stripped = '';
  for (let again = true; again; ) {
    again = false;
    for (const prefix of WRAPPER_PREFIXES) {
      if (entries.every(([name]) => name.startsWith(prefix))) {
        entries = entries.map(([name, t]) => [name.slice(prefix.length), t]);
        stripped += prefix;
        again = true;
      }
    }
  }
  return { entries, stripped };
}

function swapBytes(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  }
  return out;
}

/**
 * Reads a `torch.save` zip archive holding a state_dict (or a checkpoint dict with one under
 * "state_dict", "model_state_dict" or "model"). Throws WeightsFileError, one line naming `fileName`,
 * for anything else: not a zip, truncated, TorchScript, a whole pickled model, a global outside the
 * allow-list, storages that do not match their tensors.
 */
export function parseTorchPth(bytes: Uint8Array, fileName: string): TorchPthFile {
  if (!isZipArchive(bytes)) {
    if (isBarePickle(bytes)) {
      throw new WeightsFileError(
        fileName,
        "is in PyTorch's legacy (pre-1.6) format, a bare pickle; only torch.save's zip archives are read. " +
          'Re-save it with a current PyTorch: torch.save(torch.load(f, weights_only=True), "weights.pth")',
      );
    }
    throw new WeightsFileError(fileName, 'is not a PyTorch archive (no zip signature): expected a file written by torch.save, or a .safetensors file');
  }
  const infos = new Map<string, UnzipFileInfo>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (info) => {
        infos.set(info.name, info);
        return true;
      },
    });
  } catch (err) {
    throw new WeightsFileError(fileName, `is truncated or not a valid zip archive (${(err as Error).message}); download or copy it again`);
  }
  for (const [name, info] of infos) {
    if (files[name]?.length !== info.originalSize) {
      throw new WeightsFileError(fileName, `is truncated: ${name} holds ${files[name]?.length ?? 0} of ${info.originalSize} bytes; download or copy it again`);
    }
  }
  const pickles = Object.keys(files).filter((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    throw new WeightsFileError(
      fileName,
      pickles.length === 0
        ? 'is a zip archive without data.pkl: not a torch.save file'
        : `holds ${pickles.length} data.pkl records (${pickles.join(', ')}); expected one torch.save archive`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  if (files[`${prefix}constants.pkl`] || Object.keys(files).some((n) => n.startsWith(`${prefix}code/`))) {
    throw new WeightsFileError(
      fileName,
      'is a TorchScript archive (torch.jit.save): its weights live inside compiled code. Save the weights with torch.save(model.state_dict(), "weights.pth")',
    );
  }
  const byteorderFile = files[`${prefix}byteorder`];
  const byteorder = byteorderFile ? new TextDecoder().decode(byteorderFile).trim() : 'little';
  if (byteorder !== 'little' && byteorder !== 'big') {
    throw new WeightsFileError(fileName, `has an unknown byteorder record "${byteorder}"`);
  }

  const storages = new Map<string, Storage>();
  const persistentLoad = (pid: unknown): Storage => {
    if (!isTuple(pid) || pid.length !== 5 || pid[0] !== 'storage') {
      throw new PickleError(`unexpected persistent id ${JSON.stringify(isTuple(pid) ? pid[0] : pid)}; only tensor storages are allowed`);
    }
    const [, type, key, , numel] = pid;
    if (!(type instanceof StorageType)) throw new PickleError('a storage record names no storage type');
    if (typeof key !== 'string' || !Number.isSafeInteger(numel) || (numel as number) < 0) {
      throw new PickleError('a storage record has a bad key or size');
    }
    const known = storages.get(key);
    if (known) return known;
    const data = files[`${prefix}data/${key}`];
    const width = DTYPE_BYTES[type.dtype];
    const needed = (numel as number) * width;
    if (!data) throw new PickleError(`storage ${key} (${type.qualifiedName}) is missing from the archive`);
    if (data.length < needed) {
      throw new PickleError(`storage ${key} holds ${data.length} bytes; ${numel} x ${type.qualifiedName} needs ${needed}`);
    }
    const le = byteorder === 'big' && width > 1 ? swapBytes(data.subarray(0, needed), width) : data;
    const storage = new Storage(key, type.dtype, numel as number, le);
    storages.set(key, storage);
    return storage;
  };

  let root: unknown;
  try {
    root = unpickle(files[pickles[0]], { resolveGlobal, persistentLoad });
  } catch (err) {
    if (err instanceof ForbiddenGlobalError) throw new WeightsFileError(fileName, refusal(err));
    if (err instanceof PickleError) throw new WeightsFileError(fileName, `unreadable state_dict pickle: ${err.message}`);
    throw err;
  }
  const found = findStateDict(root, fileName);
  const { entries, stripped } = stripWrapperPrefixes(found.entries);
  return { tensors: new Map(entries), source: found.source, strippedPrefix: stripped };
}
