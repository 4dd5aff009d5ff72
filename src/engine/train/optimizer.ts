/**
 * Adam and SGD with momentum, written out (not tf.train.*) so their state has names, can be saved
 * in a checkpoint and restored bit for bit, and the learning rate can follow a schedule.
 * Semantics are torch.optim's: weight_decay is L2 added to the gradient; Adam's bias correction;
 * SGD momentum buffer initialised to the first gradient.
 * Each parameter's update is src/engine/kernels/optimizer/: fused WGSL kernels on webgpu, composed
 * tfjs ops elsewhere.
 */
import * as tf from '@tensorflow/tfjs';
import { adamUpdate, sgdMomentumUpdate, sgdUpdate } from '../kernels/optimizer/ops.ts';
import type { AdamHyper, SgdHyper } from '../kernels/optimizer/kernel.ts';
import type { TrainConfig } from './config.ts';

const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPS = 1e-8;

export interface OptimizerState {
  /** steps taken (Adam's t) */
  step: number;
  /** named slot tensors, e.g. `exp_avg.layer1.0.conv1.weight` */
  slots: Map<string, tf.Variable>;
}

export class Optimizer {
  readonly state: OptimizerState = { step: 0, slots: new Map() };

  constructor(
    private readonly kind: TrainConfig['optimizer'],
    private readonly momentum: number,
    private readonly weightDecay: number,
  ) {}

  private slot(kind: string, name: string, like: tf.Tensor): tf.Variable {
    const key = `${kind}.${name}`;
    let v = this.state.slots.get(key);
    if (!v) {
      // Unnamed: tfjs variable names are global, and two runs in one process must not collide.
      v = tf.tidy(() => tf.variable(tf.zerosLike(like), false));
      this.state.slots.set(key, v);
    }
    return v;
  }

  /** Applies one update with learning rate `lr`. grads: name -> gradient (disposed by the caller). */
  apply(params: Array<[string, tf.Variable]>, grads: Record<string, tf.Tensor>, lr: number): void {
    this.state.step += 1;
    const t = this.state.step;
    for (const [name, param] of params) {
      const grad = grads[param.name];
      if (!grad) continue; // a parameter outside this step's graph (e.g. the gaze head when unused)
      tf.tidy(() => {
        if (this.kind === 'adam') {
          const m = this.slot('exp_avg', name, param);
          const v = this.slot('exp_avg_sq', name, param);
          const h: AdamHyper = {
            beta1: ADAM_BETA1, beta2: ADAM_BETA2, eps: ADAM_EPS, weightDecay: this.weightDecay,
            stepSize: lr / (1 - ADAM_BETA1 ** t), biasCorrection2Sqrt: Math.sqrt(1 - ADAM_BETA2 ** t),
          };
          const [newParam, newM, newV] = adamUpdate(param, grad, m, v, h);
          m.assign(newM);
          v.assign(newV);
          param.assign(newParam);
        } else if (this.momentum > 0) {
          const isFirst = !this.state.slots.has(`momentum_buffer.${name}`);
          const buf = this.slot('momentum_buffer', name, param);
          // The buffer starts as the first gradient: decaying the zero-initialised slot by 0 gives exactly that.
          const h: SgdHyper = { lr, weightDecay: this.weightDecay, momentum: isFirst ? 0 : this.momentum };
          const [newParam, newBuf] = sgdMomentumUpdate(param, grad, buf, h);
          buf.assign(newBuf);
          param.assign(newParam);
        } else {
          const h = { lr, weightDecay: this.weightDecay };
          param.assign(sgdUpdate(param, grad, h));
        }
      });
    }
  }

  dispose(): void {
    for (const v of this.state.slots.values()) v.dispose();
    this.state.slots.clear();
  }
}

/** Learning rate at a 0-based global step (per-step cosine; 'step' decays per epoch). */
export function learningRateAt(c: TrainConfig, step: number, stepsPerEpoch: number): number {
  const total = c.epochs * stepsPerEpoch;
  if (c.schedule === 'cosine') return 0.5 * c.lr * (1 + Math.cos((Math.PI * Math.min(step, total)) / total));
  if (c.schedule === 'step') return c.lr * c.stepGamma ** Math.floor(Math.floor(step / stepsPerEpoch) / c.stepEvery);
  return c.lr;
}
