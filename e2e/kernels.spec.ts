/**
 * The engine's CAM kernels inside Chromium's WebGPU (SwiftShader here), checked against plain
 * JavaScript maths of the same formulas (cam_reference_math.ts): forward values, and the gradient
 * with respect to the feature map through both outputs, on the fixed cases of kernel_cases.ts.
 */
import { camReference, maxRelativeError } from './cam_reference_math.ts';
import { KERNEL_CASES as CASES } from './kernel_cases.ts';
import { expect, openStudio, test } from './studio.ts';

const RELATIVE_TOLERANCE = 1e-4;

test('camMaps + refineCams in Chromium WebGPU match independent maths to 1e-4', async ({ page, pageErrors: _ }) => {
  await openStudio(page);

  const started = Date.now();
  const report = await page.evaluate((cases) => window.gazecam!.selfTest(cases), CASES);
  console.log(`self-test on ${report.backend}: ${report.elapsedMs.toFixed(0)} ms in the worker, ${Date.now() - started} ms round trip`);

  expect(report.backend, 'the self-test must run on WebGPU, not a fallback').toBe('webgpu');
  expect(report.numTensorsAfter, 'tensors leaked by the self-test').toBe(report.numTensorsBefore);
  expect(report.cases.map((c) => c.name)).toEqual(CASES.map((c) => c.name));

  for (const [i, input] of CASES.entries()) {
    const actual = report.cases[i]!;
    const expected = camReference(input);
    const errors: Record<string, number> = {
      cam: maxRelativeError(actual.cam, expected.cam),
      cams: maxRelativeError(actual.cams, expected.cams),
      sigmoidCams: maxRelativeError(actual.sigmoidCams, expected.sigmoidCams),
    };
    if (input.gradient) {
      errors.dFmap = maxRelativeError(actual.dFmap ?? [], expected.dFmap!);
      expect(actual.dFcWeight, `${input.name}: the FC weight is detached`).toEqual(
        new Array(input.fcWeight.length).fill(0),
      );
    }
    if (Object.values(errors).some((e) => !(e <= RELATIVE_TOLERANCE))) {
      console.log(`${input.name}: errors ${JSON.stringify(errors)}`);
      for (const key of ['cam', 'cams', 'sigmoidCams', 'dFmap'] as const) {
        console.log(`  ${key} actual   ${JSON.stringify(actual[key]?.slice(0, 12))}`);
        console.log(`  ${key} expected ${JSON.stringify(expected[key]?.slice(0, 12))}`);
      }
    }
    for (const [output, error] of Object.entries(errors)) {
      expect(error, `${input.name}: ${output} max relative error`).toBeLessThanOrEqual(RELATIVE_TOLERANCE);
    }
  }

  // The zero-range rule: image 1's cams are exactly 0 (not NaN), its sigmoid is sigmoid(-40).
  const constant = report.cases[2]!;
  const perImage = 3 * 3 * 2;
  expect(constant.cams.slice(perImage)).toEqual(new Array(perImage).fill(0));
});
