/**
 * The small part of tfjs-backend-webgpu's program contract our kernels need, typed locally.
 *
 * Why not import it: `@tensorflow/tfjs-backend-webgpu` decides at import time whether to register
 * itself (it checks `navigator.gpu`), and in Node `navigator.gpu` exists only after
 * initNodeWebGPU(). The engine therefore never imports the backend at runtime; it only talks to
 * the backend object tfjs hands to a registered kernel. Facts in TFJS-WEBGPU-NOTES.md.
 */
import type * as tf from '@tensorflow/tfjs';

export interface WebGPUProgramSpec {
  outputShape: number[];
  /** Overwritten by the backend with the full cache key; ours must name everything baked in WGSL. */
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  variableNames: string[];
  uniforms?: string;
  size?: boolean;
  getUserCode(): string;
}

export type ProgramUniform = { type: 'int32' | 'float32'; data: number[] };

/** The members of tfjs's WebGPUBackend that kernels call. */
export interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgramSpec,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: ProgramUniform[],
  ): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** The named inputs of a kernel call, checked: a missing one is a programming error, said loudly. */
export function take<const N extends string>(inputs: tf.NamedTensorInfoMap, ...names: N[]): Record<N, tf.TensorInfo> {
  const out = {} as Record<N, tf.TensorInfo>;
  for (const name of names) {
    const info = inputs[name];
    if (!info) throw new Error(`gazecam kernel: missing input "${name}"`);
    out[name] = info;
  }
  return out;
}

export const ELEMENTWISE_WORKGROUP = 64;
export const REDUCE_WORKGROUP = 256;

/**
 * WGSL: the workgroup tree sums of several per-invocation partials at once, each into its scratch
 * array's element 0, for programs built on GroupReductionProgram. `pairs` are [scratch, partial];
 * the caller declares each scratch as `var<workgroup> NAME : array<f32, REDUCE_WORKGROUP>` and has
 * `lid`. Every invocation must reach this code (it holds barriers).
 */
export function workgroupTreeSums(...pairs: Array<[scratch: string, partial: string]>): string {
  return `
      ${pairs.map(([scratch, partial]) => `${scratch}[lid] = ${partial};`).join('\n      ')}
      workgroupBarrier();
      for (var stride = ${REDUCE_WORKGROUP / 2}; stride > 0; stride = stride / 2) {
        if (lid < stride) {
          ${pairs.map(([scratch]) => `${scratch}[lid] = ${scratch}[lid] + ${scratch}[lid + stride];`).join('\n          ')}
        }
        workgroupBarrier();
      }`;
}

/**
 * Splits `count` reduction steps into chunks so that `blocks` x splits work items reach about
 * `targetItems`, no chunk shorter than `minChunk` (the last one may be): the split-K plan of the
 * barrier-free reductions.
 */
export function planChunks(count: number, blocks: number, targetItems: number, minChunk: number): { splits: number; chunk: number } {
  const maxSplits = Math.max(1, Math.floor(count / minChunk));
  const chunk = Math.ceil(count / Math.max(1, Math.min(maxSplits, Math.ceil(targetItems / blocks))));
  return { splits: Math.ceil(count / chunk), chunk };
}

/** align_corners source scale along one axis, in f32 like PyTorch's `area_pixel_compute_scale`. */
export function alignCornersScale(inSize: number, outSize: number): number {
  return outSize > 1 ? Math.fround((inSize - 1) / (outSize - 1)) : 0;
}

/**
 * A 1-D dispatch of `workgroups` groups of `workgroupSize` invocations over a flat output; the
 * backend reshapes dispatches over 65535 groups and main(index) still gets the flat index.
 * Subclasses set `shaderKey`, `variableNames`, optional `uniforms`, and `getUserCode()`; they must
 * not redeclare the fields set here (a redeclared field is reset to undefined after this
 * constructor runs).
 */
abstract class FlatDispatchProgram implements WebGPUProgramSpec {
  abstract shaderKey: string;
  abstract variableNames: string[];
  uniforms?: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  constructor(readonly outputShape: number[], workgroups: number, workgroupSize: number) {
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [workgroups, 1, 1];
    this.workgroupSize = [workgroupSize, 1, 1];
  }

  abstract getUserCode(): string;
}

/** Base of the per-element programs: one invocation per output element (`uniforms.size` of them). */
export abstract class ElementwiseProgram extends FlatDispatchProgram {
  size = true;

  constructor(outputShape: number[]) {
    super(outputShape, Math.ceil(outputShape.reduce((a, b) => a * b, 1) / ELEMENTWISE_WORKGROUP), ELEMENTWISE_WORKGROUP);
  }
}

/**
 * Base of the programs that give each invocation one work item of their own choosing (a block of
 * outputs, say) rather than one output element: `items` invocations in workgroups of
 * ELEMENTWISE_WORKGROUP. They share no workgroup memory and hold no barriers, so subclasses must
 * return early for `index >= uniforms.items` (pass `items` as their first uniform).
 */
export abstract class WorkItemProgram extends FlatDispatchProgram {
  constructor(outputShape: number[], items: number) {
    super(outputShape, Math.ceil(items / ELEMENTWISE_WORKGROUP), ELEMENTWISE_WORKGROUP);
  }
}

/** Base of the workgroup reductions: one workgroup of REDUCE_WORKGROUP invocations per group (e.g. per image and class). */
export abstract class GroupReductionProgram extends FlatDispatchProgram {
  constructor(outputShape: number[], groups: number) {
    super(outputShape, groups, REDUCE_WORKGROUP);
  }
}

/** Sums split-K partials [splits, ...] over the splits into `outputShape` (the partials' remaining size). */
export class SplitSumProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_split_sum';
  variableNames = ['partials'];

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let splits = uniforms.partialsShape[0];
        let stride = uniforms.partialsShape[1];
        var sum = 0.0;
        for (var s = 0; s < splits; s++) {
          sum = sum + partials[s * stride + index];
        }
        setOutputAtIndex(index, sum);
      }`;
  }
}

/** The arguments tfjs passes a registered kernel function. */
export type KernelArgs = { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap };

/** What a kernel folder registers on webgpu: its kernels and the gradients of its forward kernels. */
export interface KernelSet {
  kernels: Array<{ name: string; func: (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[] }>;
  gradients: tf.GradConfig[];
}
