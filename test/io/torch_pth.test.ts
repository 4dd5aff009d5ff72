/**
 * torch.save archives read in TypeScript, against archives Debian's PyTorch (python3-torch 1.13,
 * torchvision 0.14) writes fresh in this test: torchvision state_dicts (ImageNet-shaped and with K
 * classes, half precision, a DDP checkpoint), non-contiguous views and every dtype a state_dict may
 * hold; and the refusals: a whole pickled model, pickles whose __reduce__ runs code (proved live by
 * letting torch.load run them afterwards), TorchScript, the legacy format, truncated and non-zip
 * files, another architecture. A timm-style ResNet safetensors file goes through the same door.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createResNet, type ResNet } from '../../src/engine/model/index.ts';
import {
  PretrainedMismatchError,
  WeightsFileError,
  detectWeightsFormat,
  loadPretrained,
  nchwToNhwc,
  nhwcToNchw,
  parseTorchPth,
  readWeightsFile,
  toFloat32,
  toIntegers,
  toTorchLayout,
  type Shape4,
} from '../../src/engine/io/index.ts';
import { importSafetensors } from '../../src/engine/io/torchvision.ts';
import { DEFAULT_CONFIG } from '../../src/engine/train/config.ts';
import { checkImportedWeights } from '../../src/worker/import_weights.ts';
import { maxRelError } from '../helpers/backends.ts';
import { PYTHON, makeTempDir, normRelError, readBytes } from '../model/torch_oracle.ts';
import { spawnSync } from 'node:child_process';

const SIZE = 64;

/** Writes every archive this test reads, plus the values torch holds, as raw little-endian files
 *  with a JSON index (so the expected values never pass through the reader under test). */
const FIXTURES_PY = String.raw`
import collections, json, os, pickle, struct, sys
import torch, torchvision

out = sys.argv[1]
torch.set_grad_enabled(False)

def path(name):
    return os.path.join(out, name)

def dump(name, tensors):
    """name.json: [[key, dtype, shape, offset, nbytes]]; name.bin: contiguous little-endian data."""
    index, blob = [], bytearray()
    for k, v in tensors.items():
        a = v.detach().contiguous().cpu()
        if a.dtype in (torch.float16, torch.bfloat16):
            a = a.float()
        raw = a.numpy().tobytes()
        index.append([k, str(a.dtype).replace("torch.", ""), list(a.shape), len(blob), len(raw)])
        blob += raw
    with open(path(name + ".bin"), "wb") as f:
        f.write(blob)
    with open(path(name + ".json"), "w") as f:
        json.dump(index, f)

def perturb_bn(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.weight.copy_(0.5 + torch.rand(c, generator=g))
            m.bias.copy_(0.1 * torch.randn(c, generator=g))
            m.running_mean.copy_(0.1 * torch.randn(c, generator=g))
            m.running_var.copy_(0.5 + torch.rand(c, generator=g))
            m.num_batches_tracked.fill_(7)

def resnet(arch, classes, seed):
    torch.manual_seed(seed)
    m = getattr(torchvision.models, arch)(num_classes=classes)
    perturb_bn(m, seed + 1)
    return m.eval()

torch.manual_seed(123)
x = torch.randn(2, 3, ${SIZE}, ${SIZE})
dump("x", {"x": x})

def features(m, x):
    h = m.maxpool(m.relu(m.bn1(m.conv1(x))))
    return m.layer4(m.layer3(m.layer2(m.layer1(h))))

# ImageNet-shaped resnet18 (1000 classes): what torchvision publishes.
r18 = resnet("resnet18", 1000, 1)
torch.save(r18.state_dict(), path("r18_imagenet.pth"))
dump("r18_imagenet", r18.state_dict())
dump("r18_imagenet_fmap", {"fmap": features(r18, x)})

# Half precision: the reference is the half values widened to float32.
torch.save(r18.half().state_dict(), path("r18_half.pth"))
dump("r18_half", r18.state_dict())

# K = 3 classes: fc kept, logits comparable.
k3 = resnet("resnet18", 3, 2)
torch.save(k3.state_dict(), path("r18_k3.pth"))
dump("r18_k3_logits", {"logits": k3(x)})

# A training checkpoint from DistributedDataParallel: names prefixed "module.", nested under
# "state_dict" beside an optimizer state and bookkeeping.
opt = torch.optim.SGD(k3.parameters(), lr=0.1, momentum=0.9)
with torch.enable_grad():
    k3.train()(x).sum().backward()
opt.step()
opt.zero_grad()
k3 = resnet("resnet18", 3, 2)  # the weights as saved above (the step only fills the optimizer state)
torch.save({"epoch": 3, "arch": "resnet18", "best_acc1": torch.tensor(0.5),
            "state_dict": collections.OrderedDict(("module." + k, v) for k, v in k3.state_dict().items()),
            "optimizer": opt.state_dict()}, path("r18_ddp_checkpoint.pth.tar"))

# timm's ResNet-18 as a .safetensors: torchvision's module names, tensors in the order the
# safetensors writer sorts them (by dtype, then name), metadata {"format": "pt"}, written here
# without the safetensors package; older timm files carry no num_batches_tracked.
def write_safetensors(p, tensors, metadata):
    tensors = sorted(tensors.items(), key=lambda kv: (-kv[1].element_size(), kv[0]))
    header, blob = {"__metadata__": metadata}, bytearray()
    names = {torch.float32: "F32", torch.int64: "I64"}
    for k, v in tensors:
        raw = v.contiguous().numpy().tobytes()
        header[k] = {"dtype": names[v.dtype], "shape": list(v.shape), "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(p, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + blob)
write_safetensors(path("timm_resnet18.safetensors"),
                  {k: v for k, v in k3.state_dict().items() if not k.endswith("num_batches_tracked")}, {"format": "pt"})

# Another architecture.
torch.save(resnet("resnet34", 1000, 3).state_dict(), path("r34_imagenet.pth"))

# A whole pickled model.
torch.save(resnet("resnet18", 10, 4), path("r18_whole_model.pth"))

# Pickles that run code on load: each would create its marker file.
class RunsSystem:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (os.system, ("touch " + self.marker,))
class RunsEval:
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (eval, ("open(%r, 'w').close()" % self.marker,))
class RunsLoadFromBytes:  # torch.storage._load_from_bytes: torch.load on embedded bytes (legacy loader)
    def __init__(self, marker): self.marker = marker
    def __reduce__(self): return (torch.storage._load_from_bytes, (pickle.dumps(RunsSystem(self.marker), protocol=2),))
conv = torch.randn(4, 3, 3, 3)
torch.save({"conv1.weight": conv, "payload": RunsSystem(path("marker_system"))}, path("evil_system.pth"))
torch.save({"conv1.weight": conv, "payload": RunsEval(path("marker_eval"))}, path("evil_eval.pth"))
torch.save({"conv1.weight": conv, "payload": RunsLoadFromBytes(path("marker_bytes"))}, path("evil_load_from_bytes.pth"))

# A checkpoint carrying a Python object besides its state_dict.
import argparse
torch.save({"state_dict": {"fc.bias": torch.zeros(2)}, "args": argparse.Namespace(lr=0.1)}, path("checkpoint_with_args.pth"))

# TorchScript and the legacy (pre-1.6) format.
torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), path("scripted.pt"))
torch.save({"fc.bias": torch.zeros(2)}, path("legacy.pth"), _use_new_zipfile_serialization=False)

# Views, offsets, shared storage and every dtype a state_dict may hold.
base = torch.arange(40, dtype=torch.float32)
views = collections.OrderedDict([
    ("channels_last", torch.randn(4, 3, 3, 3).contiguous(memory_format=torch.channels_last)),
    ("transposed", torch.randn(5, 4).t()),
    ("slice_offset", base[5:11]),
    ("column", base.view(8, 5)[:, 1]),
    ("shared_a", base.view(4, 10)[1:3, 2:7]),
    ("shared_b", base[30:]),
    ("unit_dim", torch.randn(1, 3)[:, ::2]),
    ("f64", torch.randn(3, 2, dtype=torch.float64)),
    ("f16", torch.randn(6).half()),
    ("bf16", torch.randn(2, 3).bfloat16()),
    ("i64_scalar", torch.tensor(7)),
    ("i32", torch.tensor([-3, 4], dtype=torch.int32)),
    ("i16", torch.tensor([-2, 9], dtype=torch.int16)),
    ("i8", torch.tensor([-1, 5], dtype=torch.int8)),
    ("u8", torch.tensor([250, 1], dtype=torch.uint8)),
    ("bool", torch.tensor([True, False, True])),
    ("empty", torch.zeros(0, 3)),
    ("parameter", torch.nn.Parameter(torch.randn(2, 2))),
])
torch.save(views, path("views.pth"))
dump("views", views)
print(json.dumps({"ok": True}))
`;

const tmp = makeTempDir('torch-pth');
const file = (name: string) => join(tmp.dir, name);
const markers = ['marker_system', 'marker_eval', 'marker_bytes'];

interface Ref {
  dtype: string;
  shape: number[];
  values: Float32Array | number[] | boolean[];
}

/** The tensors `dump()` wrote, by name. */
function readRef(name: string): Map<string, Ref> {
  const index = JSON.parse(readFileSync(file(`${name}.json`), 'utf8')) as Array<[string, string, number[], number, number]>;
  const blob = readFileSync(file(`${name}.bin`));
  const out = new Map<string, Ref>();
  for (const [key, dtype, shape, offset, nbytes] of index) {
    const buf = blob.buffer.slice(blob.byteOffset + offset, blob.byteOffset + offset + nbytes);
    let values: Ref['values'];
    switch (dtype) {
      case 'float32': values = new Float32Array(buf); break;
      case 'float64': values = Float32Array.from(new Float64Array(buf)); break;
      case 'int64': values = Array.from(new BigInt64Array(buf), Number); break;
      case 'int32': values = Array.from(new Int32Array(buf)); break;
      case 'int16': values = Array.from(new Int16Array(buf)); break;
      case 'int8': values = Array.from(new Int8Array(buf)); break;
      case 'uint8': values = Array.from(new Uint8Array(buf)); break;
      case 'bool': values = Array.from(new Uint8Array(buf), (v) => v !== 0); break;
      default: throw new Error(`unexpected dtype ${dtype} in ${name}.json`);
    }
    out.set(key, { dtype, shape, values });
  }
  return out;
}

function refusal(fn: () => unknown): WeightsFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WeightsFileError) return err;
    throw err;
  }
  throw new Error('expected a WeightsFileError');
}

/** The file is named, and the message is one line. */
function expectOneLine(err: Error, fileName: string): void {
  expect(err.message.startsWith(`${fileName}: `)).toBe(true);
  expect(err.message).not.toContain('\n');
}

let x: tf.Tensor4D;

beforeAll(async () => {
  await tf.setBackend('cpu');
  writeFileSync(file('fixtures.py'), FIXTURES_PY);
  const r = spawnSync(PYTHON, [file('fixtures.py'), tmp.dir], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) {
    throw new Error(`${PYTHON} fixtures.py failed (status ${r.status}): ${r.stderr}\nThis test needs Debian python3-torch and python3-torchvision.`);
  }
  const xRef = readRef('x').get('x')!;
  x = tf.tensor4d(nchwToNhwc(xRef.values as Float32Array, xRef.shape as Shape4), [2, SIZE, SIZE, 3]);
}, 300_000);
afterAll(() => {
  x?.dispose();
  tmp.cleanup();
});

async function expectLoadedValues(model: ResNet, ref: Map<string, Ref>, skip: (name: string) => boolean): Promise<void> {
  let compared = 0;
  for (const spec of model.backboneSpecs) {
    if (skip(spec.name)) continue;
    const expected = ref.get(spec.name)!;
    if (spec.role === 'bn_num_batches_tracked') {
      expect(model.numBatchesTracked(spec.name), spec.name).toBe(expected.values[0]);
    } else {
      const ours = toTorchLayout(spec, (await model.variable(spec.name).data()) as Float32Array);
      expect(ours.length, spec.name).toBe((expected.values as Float32Array).length);
      // Bit-exact: the reader only moves bytes (and OIHW -> HWIO -> OIHW is a permutation).
      expect(ours.every((v, i) => v === (expected.values as Float32Array)[i]), spec.name).toBe(true);
    }
    compared++;
  }
  expect(compared).toBe(model.backboneSpecs.filter((s) => !skip(s.name)).length);
}

describe('torch.save archives (Debian PyTorch 1.13 writes them in this test)', () => {
  it('a torchvision resnet18 state_dict for ImageNet: fc dropped, everything else equal to torch, same features', async () => {
    const fileName = file('r18_imagenet.pth');
    const bytes = readBytes(fileName);
    expect(detectWeightsFormat(bytes)).toBe('torch-zip');
    const weights = readWeightsFile(bytes, fileName);
    expect(weights.tensors.size).toBe(122);
    expect(weights.notes).toEqual([]);

    const model = createResNet({ arch: 'resnet18', numClasses: 3, seed: 9 });
    const fcBefore = Array.from(await model.fcWeight().data());
    const report = loadPretrained(model, weights.tensors, fileName);
    expect(report.freshClassifier).toBe(true);
    expect(report.droppedClasses).toBe(1000);
    expect(report.loaded).toHaveLength(120);
    expect(report.kept.map((k) => k.name)).toEqual(['fc.weight', 'fc.bias']);
    expect(Array.from(await model.fcWeight().data())).toEqual(fcBefore);
    await expectLoadedValues(model, readRef('r18_imagenet'), (n) => n.startsWith('fc.'));

    // OIHW -> HWIO through a forward pass: layer4's feature map against torch's.
    const fmapRef = readRef('r18_imagenet_fmap').get('fmap')!;
    const r = model.forward(x, { training: false });
    const fmap = nhwcToNchw((await r.fmap.data()) as Float32Array, r.fmap.shape as Shape4);
    const err = normRelError(fmap, fmapRef.values as Float32Array);
    console.log(`[torch_pth] resnet18 ImageNet .pth: layer4 feature map vs torch, error relative to max ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
    tf.dispose([r.logits, r.fmap, r.gazeLogits]);
    model.dispose();
  });

  it('a state_dict with K classes keeps its fc: logits equal torch within 1e-4', async () => {
    const fileName = file('r18_k3.pth');
    const model = createResNet({ arch: 'resnet18', numClasses: 3, seed: 9 });
    const report = loadPretrained(model, readWeightsFile(readBytes(fileName), fileName).tensors, fileName);
    expect(report.freshClassifier).toBe(false);
    expect(report.loaded).toHaveLength(122);
    const r = model.forward(x, { training: false });
    const err = maxRelError(await r.logits.data(), readRef('r18_k3_logits').get('logits')!.values as Float32Array);
    console.log(`[torch_pth] resnet18 3-class .pth: logits vs torch, max relative error ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-4);
    tf.dispose([r.logits, r.fmap, r.gazeLogits]);
    model.dispose();
  });

  it('a DDP training checkpoint: state_dict found under "state_dict", "module." removed, optimizer state read and ignored', async () => {
    const fileName = file('r18_ddp_checkpoint.pth.tar');
    const weights = readWeightsFile(readBytes(fileName), fileName);
    expect(weights.notes).toEqual(['state_dict taken from the checkpoint\'s "state_dict"', '"module." removed from every name']);
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    loadPretrained(model, weights.tensors, fileName);
    const r = model.forward(x, { training: false });
    expect(maxRelError(await r.logits.data(), readRef('r18_k3_logits').get('logits')!.values as Float32Array)).toBeLessThan(1e-4);
    tf.dispose([r.logits, r.fmap, r.gazeLogits]);
    model.dispose();
  });

  it('a half-precision state_dict is widened to float32 exactly', async () => {
    const fileName = file('r18_half.pth');
    const weights = readWeightsFile(readBytes(fileName), fileName);
    expect(weights.tensors.get('conv1.weight')!.dtype).toBe('F16');
    expect(weights.tensors.get('bn1.num_batches_tracked')!.dtype).toBe('I64');
    const model = createResNet({ arch: 'resnet18', numClasses: 1000 });
    const report = loadPretrained(model, weights.tensors, fileName);
    expect(report.loaded).toHaveLength(122);
    await expectLoadedValues(model, readRef('r18_half'), () => false);
    model.dispose();
  });

  it('views, offsets, shared storage and every state_dict dtype come out contiguous and equal', () => {
    const fileName = file('views.pth');
    const { tensors } = parseTorchPth(readBytes(fileName), fileName);
    const ref = readRef('views');
    expect([...tensors.keys()]).toEqual([...ref.keys()]);
    const dtypes: Record<string, string> = {
      float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
    };
    for (const [name, expected] of ref) {
      const t = tensors.get(name)!;
      expect(t.shape, name).toEqual(expected.shape);
      if (expected.dtype !== 'float32') expect(t.dtype, name).toBe(dtypes[expected.dtype]);
      const ours = ['F32', 'F64', 'F16', 'BF16'].includes(t.dtype) ? Array.from(toFloat32(t)) : toIntegers(t).map((v) => (t.dtype === 'BOOL' ? v !== 0 : v));
      expect(ours, name).toEqual(Array.from(expected.values as ArrayLike<number | boolean>));
    }
    expect(tensors.get('f16')!.dtype).toBe('F16');
    expect(tensors.get('bf16')!.dtype).toBe('BF16');
  });
});

describe('timm ResNet safetensors', () => {
  it("timm's resnet18 file (torchvision names, sorted tensors, no num_batches_tracked) loads like the .pth", async () => {
    const fileName = file('timm_resnet18.safetensors');
    const bytes = readBytes(fileName);
    expect(detectWeightsFormat(bytes)).toBe('safetensors');
    const weights = readWeightsFile(bytes, fileName);
    expect(weights.tensors.size).toBe(102);
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    const report = loadPretrained(model, weights.tensors, fileName);
    expect(report.loaded).toHaveLength(102);
    expect(report.kept.filter((k) => k.name.endsWith('num_batches_tracked'))).toHaveLength(20);
    const r = model.forward(x, { training: false });
    expect(maxRelError(await r.logits.data(), readRef('r18_k3_logits').get('logits')!.values as Float32Array)).toBeLessThan(1e-4);
    tf.dispose([r.logits, r.fmap, r.gazeLogits]);
    model.dispose();
  });
});

describe("the studio's Import weights (worker side)", () => {
  const settings = { ...DEFAULT_CONFIG, arch: 'resnet18' as const };
  const asFile = (bytes: Uint8Array, name: string) => new File([new Uint8Array(bytes)], name);

  it('a .pth is checked, kept as safetensors, and loads in the training session like the file itself', async () => {
    const bytes = readBytes(file('r18_imagenet.pth'));
    const { report, weights } = await checkImportedWeights(asFile(bytes, 'resnet18-imagenet.pth'), settings, 3);
    expect(report).toEqual({ ok: true, fileName: 'resnet18-imagenet.pth', tensors: 122, freshClassifier: true, checkedAgainst: 'resnet18 with 3 classes' });
    expect(detectWeightsFormat(weights!.bytes)).toBe('safetensors');
    // What the training session does with it:
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    importSafetensors(model, weights!.bytes, null, { skipFc: report.ok && report.freshClassifier, castFloats: true });
    await expectLoadedValues(model, readRef('r18_imagenet'), (n) => n.startsWith('fc.'));
    model.dispose();
  });

  it('a refused .pth and one for another architecture are reported, nothing kept', async () => {
    const evil = await checkImportedWeights(asFile(readBytes(file('evil_system.pth')), 'evil.pth'), settings, 3);
    expect(evil.weights).toBeNull();
    expect(evil.report.ok).toBe(false);
    expect(!evil.report.ok && evil.report.message).toMatch(/^evil\.pth: refused: the pickle calls posix\.system/);
    const r34 = await checkImportedWeights(asFile(readBytes(file('r34_imagenet.pth')), 'resnet34.pth'), settings, 3);
    expect(r34.weights).toBeNull();
    if (r34.report.ok) throw new Error('expected a refusal');
    expect(r34.report.message).toBe('resnet34.pth does not fit resnet18 with 3 classes: 96 mismatches. The file fits resnet34: pick that architecture.');
    expect(r34.report.mismatches).toContain('layer1.2.conv1.weight: not in the model (got F32 [64, 64, 3, 3])');
  });
});

describe('refused, one line naming the file, nothing executed', () => {
  it('a whole pickled model (torch.save(model)) says to save model.state_dict()', () => {
    const fileName = file('r18_whole_model.pth');
    const err = refusal(() => readWeightsFile(readBytes(fileName), fileName));
    expectOneLine(err, fileName);
    expect(err.message).toContain('whole pickled model');
    expect(err.message).toContain('torchvision.models.resnet.ResNet');
    expect(err.message).toContain('torch.save(model.state_dict()');
  });

  it('pickles whose __reduce__ runs os.system, eval or torch.storage._load_from_bytes are refused and never run', () => {
    const cases: Array<[string, string]> = [
      ['evil_system.pth', 'posix.system'],
      ['evil_eval.pth', '__builtin__.eval'],
      ['evil_load_from_bytes.pth', 'torch.storage._load_from_bytes'],
    ];
    for (const [name, global] of cases) {
      const err = refusal(() => readWeightsFile(readBytes(file(name)), file(name)));
      expectOneLine(err, file(name));
      expect(err.message).toContain(`calls ${global}`);
      expect(err.message).toContain('never executed');
    }
    for (const m of markers) expect(existsSync(file(m)), m).toBe(false);

    // The payloads are live: Python's own loader runs every one of them.
    const load = `import sys, torch\nfor f in sys.argv[1:]:\n    try: torch.load(f)\n    except Exception: pass\n`;
    const r = spawnSync(PYTHON, ['-c', load, ...cases.map(([name]) => file(name))], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const m of markers) expect(existsSync(file(m)), `${m} (torch.load ran the payload)`).toBe(true);
  });

  it('a checkpoint carrying another Python object (argparse.Namespace) says to save the state_dict on its own', () => {
    const fileName = file('checkpoint_with_args.pth');
    const err = refusal(() => readWeightsFile(readBytes(fileName), fileName));
    expectOneLine(err, fileName);
    expect(err.message).toContain('uses argparse.Namespace, a Python object that is not part of a state_dict');
    expect(err.message).toContain('torch.save(model.state_dict()');
  });

  it('a truncated archive', () => {
    const fileName = file('truncated.pth');
    const full = readBytes(file('r18_imagenet.pth'));
    writeFileSync(fileName, full.subarray(0, Math.floor(full.length / 2)));
    const err = refusal(() => readWeightsFile(readBytes(fileName), fileName));
    expectOneLine(err, fileName);
    expect(err.message).toContain('truncated');
  });

  it('a file that is neither zip nor safetensors', () => {
    const fileName = file('notes.pth');
    writeFileSync(fileName, 'these are not weights\n');
    const err = refusal(() => readWeightsFile(readBytes(fileName), fileName));
    expectOneLine(err, fileName);
    expect(err.message).toContain('neither a PyTorch archive (torch.save) nor a safetensors file');
  });

  it('TorchScript and the legacy pre-1.6 format say what to save instead', () => {
    const scripted = refusal(() => readWeightsFile(readBytes(file('scripted.pt')), file('scripted.pt')));
    expectOneLine(scripted, file('scripted.pt'));
    expect(scripted.message).toContain('TorchScript');
    const legacy = refusal(() => readWeightsFile(readBytes(file('legacy.pth')), file('legacy.pth')));
    expectOneLine(legacy, file('legacy.pth'));
    expect(legacy.message).toContain('legacy (pre-1.6) format');
  });

  it('resnet34 weights into resnet18: the names and shapes are listed, and the matching architecture named', async () => {
    const fileName = file('r34_imagenet.pth');
    const weights = readWeightsFile(readBytes(fileName), fileName);
    const model = createResNet({ arch: 'resnet18', numClasses: 3 });
    const before = Array.from(await model.variable('conv1.weight').data());
    const err = refusal(() => loadPretrained(model, weights.tensors, fileName)) as PretrainedMismatchError;
    expect(err).toBeInstanceOf(PretrainedMismatchError);
    expectOneLine(err, fileName);
    const ours = new Set(model.backboneSpecs.map((s) => s.name));
    const unexpected = [...weights.tensors.keys()].filter((n) => !ours.has(n));
    expect(unexpected).toContain('layer3.5.conv2.weight');
    expect(err.mismatches.map((m) => m.name).sort()).toEqual(unexpected.sort());
    expect(err.mismatches.find((m) => m.name === 'layer1.2.conv1.weight')?.got).toEqual({ shape: [64, 64, 3, 3], dtype: 'F32' });
    expect(err.message).toContain(`does not fit resnet18 with 3 classes: ${unexpected.length} not in the model (layer1.2.conv1.weight F32 [64, 64, 3, 3];`);
    expect(err.message).toContain('The file fits resnet34: pick that architecture.');
    expect(err.matchingArch).toBe('resnet34');
    expect(Array.from(await model.variable('conv1.weight').data())).toEqual(before); // nothing loaded
    model.dispose();
  });
});
