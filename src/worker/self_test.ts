/**
 * Runs the engine's CAM kernels on the worker's active backend on inputs the caller chooses and
 * returns every number, so the caller checks them against its own independent maths. This is how
 * the e2e suite proves the kernels compute the right thing inside the browser's WebGPU, not only
 * under Dawn in Node.
 */
import * as tf from '@tensorflow/tfjs';
import { camMaps, refineCams } from '../engine/index.ts';
import type { BackendName, SelfTestCase, SelfTestCaseResult, SelfTestReport } from './protocol.ts';

function checkLength(caseName: string, field: string, data: Float32Array, shape: number[]): void {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) {
    throw new Error(`self-test case "${caseName}": ${field} has ${data.length} values, shape [${shape}] needs ${expected}`);
  }
}

async function runCase(c: SelfTestCase): Promise<SelfTestCaseResult> {
  const [b, , , channels] = c.fmapShape;
  const [outH, outW] = c.outSize;
  const k = c.fcWeightShape[1];
  checkLength(c.name, 'fmapNhwc', c.fmapNhwc, c.fmapShape);
  checkLength(c.name, 'fcWeight', c.fcWeight, c.fcWeightShape);
  if (c.fcWeightShape[0] !== channels) {
    throw new Error(`self-test case "${c.name}": fcWeight has ${c.fcWeightShape[0]} rows, fmap has ${channels} channels`);
  }
  const upShape = [b, outH, outW, k];
  if (c.gradient) {
    checkLength(c.name, 'upstreamSigmoid', c.gradient.upstreamSigmoid, upShape);
    checkLength(c.name, 'upstreamCams', c.gradient.upstreamCams, upShape);
  }

  const fmap = tf.tensor4d(c.fmapNhwc, c.fmapShape);
  const fcWeight = tf.tensor2d(c.fcWeight, c.fcWeightShape);
  const owned: tf.Tensor[] = [fmap, fcWeight];
  try {
    const forward = tf.tidy(() => {
      const cam = camMaps(fmap, fcWeight);
      const { cams, sigmoidCams } = refineCams(cam, [outH, outW]);
      return [cam, cams, sigmoidCams];
    });
    owned.push(...forward);
    let grads: tf.Tensor[] = [];
    if (c.gradient) {
      const gSig = tf.tensor4d(c.gradient.upstreamSigmoid, upShape as [number, number, number, number]);
      const gCams = tf.tensor4d(c.gradient.upstreamCams, upShape as [number, number, number, number]);
      owned.push(gSig, gCams);
      grads = tf.tidy(() =>
        tf.grads((f: tf.Tensor, w: tf.Tensor) => {
          const { cams, sigmoidCams } = refineCams(camMaps(f as tf.Tensor4D, w as tf.Tensor2D), [outH, outW]);
          return tf.add(tf.sum(tf.mul(sigmoidCams, gSig)), tf.sum(tf.mul(cams, gCams)));
        })([fmap, fcWeight]),
      );
      owned.push(...grads);
    }
    // Sync point: one readback per output, after all work for the case is queued.
    const [cam, cams, sigmoidCams, dFmap, dFcWeight] = await Promise.all(
      [...forward, ...grads].map((t) => t.data<'float32'>()),
    );
    return { name: c.name, cam: cam!, cams: cams!, sigmoidCams: sigmoidCams!, dFmap, dFcWeight };
  } finally {
    tf.dispose(owned);
  }
}

export async function runSelfTest(cases: SelfTestCase[]): Promise<SelfTestReport> {
  const numTensorsBefore = tf.memory().numTensors;
  const started = performance.now();
  const results: SelfTestCaseResult[] = [];
  for (const c of cases) results.push(await runCase(c));
  return {
    backend: tf.getBackend() as BackendName,
    cases: results,
    numTensorsBefore,
    numTensorsAfter: tf.memory().numTensors,
    elapsedMs: performance.now() - started,
  };
}
