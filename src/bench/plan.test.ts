import { describe, expect, it } from 'vitest';
import { DEFAULT_KERNEL_SHAPE } from './kernels.ts';
import { KERNEL_TIMING, parsePlan, planQuery, PlanError, TRAINING_TIMING } from './plan.ts';
import { DEFAULT_TRAINING_CASES } from './training.ts';

const plan = (query: string) => parsePlan(new URLSearchParams(query));

describe('bench page plan from the URL query', () => {
  it('defaults to the CLI suite on every backend', () => {
    expect(plan('')).toEqual({
      suite: 'all',
      backends: ['webgpu', 'webgl', 'cpu'],
      kernelShape: DEFAULT_KERNEL_SHAPE,
      kernelTiming: KERNEL_TIMING,
      trainingCases: DEFAULT_TRAINING_CASES,
      trainingTiming: TRAINING_TIMING,
      abConvFilter: false,
      profile: false,
    });
  });

  it('reads cases, one case, timing and the kernel shape', () => {
    const p = plan('suite=training&backends=webgl,cpu&cases=resnet10-small:64:16,resnet18:224:4&runs=3&warmup=1&abConvFilter=1&profile=1');
    expect(p.backends).toEqual(['webgl', 'cpu']);
    expect(p.trainingCases).toEqual([
      { arch: 'resnet10-small', size: 64, batch: 16 },
      { arch: 'resnet18', size: 224, batch: 4 },
    ]);
    expect(p.kernelTiming).toEqual({ warmup: 1, runs: 3 });
    expect(p.trainingTiming).toEqual({ warmup: 1, runs: 3 });
    expect(p.abConvFilter).toBe(true);
    expect(p.profile).toBe(true);
    expect(plan('arch=resnet10-tiny&size=32').trainingCases).toEqual([{ arch: 'resnet10-tiny', size: 32, batch: 16 }]);
    expect(plan('kernelBatch=2&kernelCam=3&kernelChannels=8&kernelOut=16&kernelClasses=2').kernelShape).toEqual({
      batch: 2, camH: 3, camW: 3, channels: 8, classes: 2, outH: 16, outW: 16,
    });
  });

  it('names the parameter and what it takes when a value is wrong', () => {
    expect(() => plan('suite=fast')).toThrow(/suite must be one of kernels\|training\|all, got "fast"/);
    expect(() => plan('backends=webgpu,wasm')).toThrow(/unknown backend "wasm"/);
    expect(() => plan('backends=cpu,cpu')).toThrow(PlanError);
    expect(() => plan('cases=resnet99:64:16')).toThrow(/training case "resnet99:64:16" must be arch:size:batch/);
    expect(() => plan('cases=resnet18:224:4&arch=resnet18')).toThrow(/not both/);
    expect(() => plan('warmup=0')).toThrow(/warmup must be an integer >= 1/);
    expect(plan('ab=flag:WEBGPU_USE_NAIVE_CONV2D_DEBUG:false:true').ab).toBe('flag:WEBGPU_USE_NAIVE_CONV2D_DEBUG:false:true');
    expect(() => plan('ab=optimizer:fused:gather')).toThrow(/optimizer takes two of fused, composed/);
    expect(plan('ab=optimizer:fused:composed').ab).toBe('optimizer:fused:composed');
    expect(() => plan('ab=optimizer:fused:fast')).toThrow(/optimizer takes two of fused, composed/);
    expect(() => plan('ab=fast')).toThrow(/ab must be convFilter, kernelPath:A:B, batchNorm:A:B, augment:A:B, optimizer:A:B or flag:NAME:A:B/);
    expect(() => plan('ab=flag:X:yes:1')).toThrow(/true, false or a number, got "yes"/);
    expect(() => plan('profile=yes')).toThrow(/profile must be 0 or 1, got "yes"/);
    expect(() => plan('runs=2.5')).toThrow(/runs must be an integer/);
    expect(() => plan('batchsize=4')).toThrow(/unknown query parameter "batchsize"/);
  });

  it('planQuery round-trips through parsePlan and leaves unset options out', () => {
    const query = planQuery({ suite: 'training', cases: 'resnet10-tiny:32:2', runs: 1, warmup: undefined, abConvFilter: false });
    expect(query).toBe('suite=training&cases=resnet10-tiny%3A32%3A2&runs=1');
    expect(plan(query).trainingCases).toEqual([{ arch: 'resnet10-tiny', size: 32, batch: 2 }]);
  });
});
