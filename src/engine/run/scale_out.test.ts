import { describe, expect, it } from 'vitest';
import { defaultPreparedFolder, RENDEZVOUS_PLACEHOLDER, scaleOutCommands, shellQuote } from './scale_out.ts';

describe('scaleOutCommands', () => {
  it('one machine, all its GPUs: prepare beside the dataset, then torchrun --standalone with the non-default options', () => {
    const c = scaleOutCommands({
      dataset: 'data/egd-cxr', out: 'runs/kl',
      config: { arch: 'resnet50', size: 224, batch: 64, epochs: 30, loss: 'kl', seed: 0, lr: 3e-4, camStride: 16 },
    });
    expect(c.prepare).toEqual(['gazecam', 'prepare', 'data/egd-cxr', '--out', 'data/egd-cxr-prepared-224', '--size', '224']);
    expect(c.torchrun).toEqual([
      'torchrun', '--standalone', '--nproc_per_node', 'gpu', '-m', 'gazecam_torch.train', 'data/egd-cxr-prepared-224', '--out', 'runs/kl',
      '--arch', 'resnet50', '--batch', '64', '--epochs', '30', '--lr', '0.0003', '--cam-stride', '16',
    ]);
    expect(c.text.split('\n')).toEqual([c.prepare.join(' '), c.torchrun.join(' ')]);
  });

  it('two nodes: the same command on each, a c10d rendezvous, restarts that resume from the checkpoint', () => {
    const c = scaleOutCommands({ dataset: 'd', out: 'r', config: {}, nodes: 2, processesPerNode: 8, maxRestarts: 3, rendezvous: 'node0:29400' });
    expect(c.torchrun.slice(0, 14)).toEqual([
      'torchrun', '--nnodes', '2', '--rdzv_backend', 'c10d', '--rdzv_endpoint', 'node0:29400', '--rdzv_id', 'gazecam',
      '--nproc_per_node', '8', '--max_restarts', '3', '-m',
    ]);
    expect(scaleOutCommands({ dataset: 'd', out: 'r', config: {}, nodes: 2 }).torchrun).toContain(RENDEZVOUS_PLACEHOLDER);
  });

  it('the split seed and the fixation sigma go to prepare; the seed to training too', () => {
    const c = scaleOutCommands({ dataset: 'd/', out: 'r', config: { seed: 4, gazeSigmaPx: 30, size: 64 } });
    expect(c.prepare).toEqual(['gazecam', 'prepare', 'd/', '--out', 'd-prepared-64', '--size', '64', '--seed', '4', '--sigma', '30']);
    expect(c.torchrun.slice(-2)).toEqual(['--seed', '4']);
    expect(() => scaleOutCommands({ dataset: 'd', out: 'r', config: {}, nodes: 0 })).toThrow(/nodes/);
  });

  it('augmentation: the preset, then the knobs that differ from it', () => {
    const c = scaleOutCommands({ dataset: 'd', out: 'r', config: { augment: 'standard', augFlip: true, augRotateDeg: 3, augScaleMin: 0.9, augScaleMax: 1.25 } });
    expect(c.torchrun.slice(c.torchrun.indexOf('--augment'))).toEqual(['--augment', 'standard', '--aug-rotate', '3', '--aug-flip']);
    expect(scaleOutCommands({ dataset: 'd', out: 'r', config: { augment: 'none' } }).torchrun).not.toContain('--augment');
  });

  it('quotes paths a shell would split', () => {
    expect(shellQuote('my data/x')).toBe("'my data/x'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('runs/a-1')).toBe('runs/a-1');
    expect(scaleOutCommands({ dataset: 'My Scans', out: 'r', config: { size: 64 } }).text).toContain("gazecam prepare 'My Scans' --out 'My Scans-prepared-64'");
    expect(defaultPreparedFolder('/x/y/', 32)).toBe('/x/y-prepared-32');
  });
});
