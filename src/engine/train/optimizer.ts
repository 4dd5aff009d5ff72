/**
 * Adam and SGD with momentum, written out (not tf.train.*) so their state has names, can be saved
 * in a checkpoint and restored bit for bit, and the learning rate can follow a schedule.
 * Semantics are torch.optim's: weight_decay is L2 added to the gradient; Adam's bias correction;
 * SGD momentum buffer initialised to the first gradient.
 */
import * as tf from '@tensorflow/tfjs';
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
        const g = this.weightDecay > 0 ? tf.add(grad, tf.mul(param, this.weightDecay)) : grad;
        if (this.kind === 'adam') {
          const m = this.slot('exp_avg', name, param);
          const v = this.slot('exp_avg_sq', name, param);
          m.assign(tf.add(tf.mul(m, ADAM_BETA1), tf.mul(g, 1 - ADAM_BETA1)));
          v.assign(tf.add(tf.mul(v, ADAM_BETA2), tf.mul(tf.square(g), 1 - ADAM_BETA2)));
          const stepSize = lr / (1 - ADAM_BETA1 ** t);
          const denom = tf.add(tf.div(tf.sqrt(v), Math.sqrt(1 - ADAM_BETA2 ** t)), ADAM_EPS);
          param.assign(tf.sub(param, tf.mul(tf.div(m, denom), stepSize)));
        } else {
          let update = g;
          if (this.momentum > 0) {
            const isFirst = !this.state.slots.has(`momentum_buffer.${name}`);
            const buf = this.slot('momentum_buffer', name, param);
            buf.assign(isFirst ? g : tf.add(tf.mul(buf, this.momentum), g));
            update = buf;
          }
          param.assign(tf.sub(param, tf.mul(update, lr)));
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
