/**
 * The optimizer's per-parameter update (Adam, SGD with and without momentum) as at most three WGSL
 * programs per parameter instead of ~14 tfjs ops.
 *
 * Why: a profile of one training step in Chromium WebGPU (SwiftShader, resnet10-small 64 px,
 * batch 16, 2588 ms) spent about 350 ms in RealDiv, Sub, Multiply and Add, most of it the
 * composed optimizer: each op is a dispatch with its own scalar upload, and on a CPU adapter the
 * per-dispatch cost dominates these small tensors.
 *
 * Reference semantics: the composed update in src/engine/train/optimizer.ts (torch.optim's), which
 * stays the path on other backends. Every program performs the same f32 operations in the same
 * order as the composed ops (g = grad + param * weightDecay; m' = m * b1 + g * (1 - b1); ...), so
 * the two agree to rounding. Hyperparameters that change per step (learning rate, bias
 * corrections) are f32 uniforms, not WGSL text, so one pipeline serves every step; only whether
 * weight decay is read is baked in (it decides the inputs), and it is in `shaderKey`.
 */
import { ElementwiseProgram } from '../webgpu_program.ts';

/**
 * g = grad + param * weightDecay, or grad alone: the L2 term torch.optim adds to the gradient.
 * Programs using it list `param` (when decaying) and `grad` and declare `weightDecay : f32,`.
 */
function gradientWithDecay(weightDecay: boolean): string {
  return weightDecay ? 'grad[index] + param[index] * uniforms.weightDecay' : 'grad[index]';
}

/**
 * An exponential moving average of the gradient (Adam's exp_avg, `squared` false), of its square
 * (exp_avg_sq, `squared` true), or SGD's momentum buffer (`oneMinusBeta` 1 there: buf * momentum + g,
 * since g * 1 is g exactly). Uniforms: beta, oneMinusBeta, weightDecay.
 */
export class MovingAverageProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames: string[];
  override uniforms = 'beta : f32, oneMinusBeta : f32, weightDecay : f32,';

  constructor(shape: number[], private readonly squared: boolean, private readonly weightDecay: boolean) {
    super(shape);
    this.shaderKey = `gazecam_optim_average_${squared ? 'sq' : 'g'}_${weightDecay ? 'wd' : 'nowd'}`;
    this.variableNames = weightDecay ? ['param', 'grad', 'average'] : ['grad', 'average'];
  }

  getUserCode(): string {
    const term = this.squared ? '(g * g)' : 'g';
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let g = ${gradientWithDecay(this.weightDecay)};
        setOutputAtIndex(index, average[index] * uniforms.beta + ${term} * uniforms.oneMinusBeta);
      }`;
  }
}

/**
 * Adam's parameter step from the already updated moments:
 * param - (m / (sqrt(v) / sqrt(1 - b2^t) + eps)) * (lr / (1 - b1^t)).
 * Uniforms: stepSize, biasCorrection2Sqrt, eps.
 */
export class AdamParamProgram extends ElementwiseProgram {
  shaderKey = 'gazecam_optim_adam_param';
  variableNames = ['param', 'm', 'v'];
  override uniforms = 'stepSize : f32, biasCorrection2Sqrt : f32, eps : f32,';

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let denom = sqrt(v[index]) / uniforms.biasCorrection2Sqrt + uniforms.eps;
        setOutputAtIndex(index, param[index] - (m[index] / denom) * uniforms.stepSize);
      }`;
  }
}

/**
 * SGD's parameter step: param - update * lr, where update is the momentum buffer (`weightDecay`
 * false: decay is already in it) or, without momentum, the gradient plus the decay term.
 * Uniforms: lr, weightDecay.
 */
export class SgdParamProgram extends ElementwiseProgram {
  shaderKey: string;
  variableNames = ['param', 'grad'];
  override uniforms = 'lr : f32, weightDecay : f32,';

  constructor(shape: number[], private readonly weightDecay: boolean) {
    super(shape);
    this.shaderKey = `gazecam_optim_sgd_param_${weightDecay ? 'wd' : 'nowd'}`;
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index >= uniforms.size) { return; }
        let g = ${gradientWithDecay(this.weightDecay)};
        setOutputAtIndex(index, param[index] - g * uniforms.lr);
      }`;
  }
}
