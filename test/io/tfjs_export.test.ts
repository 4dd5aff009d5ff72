/**
 * The tfjs export: model.json + weights.bin load with tf.loadLayersModel (through tf.io.fromMemory,
 * the in-memory form of what a browser fetches) and predict what our model predicts; our loader
 * rebuilds a trainable ResNet with the counters.
 */
import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { forEachBackend, maxRelError } from '../helpers/backends.ts';
import { createResNet } from '../../src/engine/model/index.ts';
import { TFJS_WEIGHTS_FILE, exportTfjs, loadTfjsExport, resnetFromTfjsExport } from '../../src/engine/io/index.ts';

forEachBackend('tfjs export', () => {
  it('loads with tf.loadLayersModel and predicts [logits, fmap, gazeLogits] as our forward does', async () => {
    const model = createResNet({ arch: 'resnet10-tiny', numClasses: 3, camStride: 16, gazeHead: { hidden: 4 }, seed: 2 });
    const x = tf.randomNormal([2, 48, 48, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    tf.dispose(model.forward(x, { training: true }) as never); // move the running stats
    const exported = await exportTfjs(model);
    const modelJson = JSON.stringify(exported.modelJson); // what gets written to model.json
    expect(exported.modelJson.weightsManifest[0].paths).toEqual([TFJS_WEIGHTS_FILE]);
    expect(exported.modelJson.weightsManifest[0].weights.map((w) => w.name)).toContain('layer2.0.downsample.1/moving_variance');
    expect(exported.modelJson.userDefinedMetadata.gazecam.outputs).toEqual(['logits', 'fmap', 'gazeLogits']);

    const layers = await loadTfjsExport(modelJson, exported.weights);
    const [logits, fmap, gaze] = layers.predict(x) as tf.Tensor[];
    const ours = model.forward(x, { training: false });
    expect(fmap.shape).toEqual(ours.fmap.shape);
    expect(maxRelError(await logits.data(), await ours.logits.data())).toBeLessThan(1e-5);
    expect(maxRelError(await fmap.data(), await ours.fmap.data())).toBeLessThan(1e-5);
    expect(maxRelError(await gaze.data(), await ours.gazeLogits!.data())).toBeLessThan(1e-5);

    const rebuilt = resnetFromTfjsExport(modelJson, exported.weights);
    expect(rebuilt.numBatchesTracked('bn1.num_batches_tracked')).toBe(1);
    const again = rebuilt.forward(x, { training: false });
    expect(Array.from(await again.logits.data())).toEqual(Array.from(await ours.logits.data()));
    tf.dispose([x, logits, fmap, gaze, ours.logits, ours.fmap, ours.gazeLogits, again.logits, again.fmap, again.gazeLogits]);
    layers.dispose();
    rebuilt.dispose();
    model.dispose();
  });

  it('our loader names every weight that does not fit', async () => {
    const model = createResNet({ arch: 'resnet10-tiny', numClasses: 3 });
    const exported = await exportTfjs(model);
    const json = structuredClone(exported.modelJson);
    json.userDefinedMetadata.gazecam.numClasses = 5;
    expect(() => resnetFromTfjsExport(json, exported.weights)).toThrow(/fc\/kernel: expected \[64, 5\], got \[64, 3\][\s\S]*fc\/bias/);
    model.dispose();
  });
});
