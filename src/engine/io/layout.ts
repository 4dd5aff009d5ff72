/**
 * Explicit layout conversions between tfjs (NHWC activations, HWIO conv kernels, dense [in,out])
 * and PyTorch (NCHW, OIHW, Linear [out,in]). Every tensor that crosses the boundary goes through
 * one of these (DESIGN.md section 1); they are plain array permutations, backend-free and tested.
 */

export type Shape4 = [number, number, number, number];

/** Generic 4-D permutation: out[...] = in[...] with `perm` as numpy's transpose axes. */
export function permute4d<T extends Float32Array | Int32Array>(data: T, shape: Shape4, perm: Shape4): T {
  const [d0, d1, d2, d3] = shape;
  if (data.length !== d0 * d1 * d2 * d3) {
    throw new Error(`permute4d: ${data.length} values do not fill shape [${shape.join(',')}].`);
  }
  const inStrides = [d1 * d2 * d3, d2 * d3, d3, 1];
  const outShape = perm.map((p) => shape[p]);
  const s = perm.map((p) => inStrides[p]); // input stride for each output axis
  const out = new (data.constructor as new (n: number) => T)(data.length);
  let o = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        const base = a * s[0] + b * s[1] + c * s[2];
        for (let d = 0; d < outShape[3]; d++) out[o++] = data[base + d * s[3]];
      }
    }
  }
  return out;
}

/** tfjs conv kernel [kh,kw,in,out] -> PyTorch [out,in,kh,kw] (torch: `w.permute(3,2,0,1)`). */
export function hwioToOihw(data: Float32Array, hwioShape: Shape4): Float32Array {
  return permute4d(data, hwioShape, [3, 2, 0, 1]);
}

/** PyTorch conv weight [out,in,kh,kw] -> tfjs [kh,kw,in,out]. */
export function oihwToHwio(data: Float32Array, oihwShape: Shape4): Float32Array {
  return permute4d(data, oihwShape, [2, 3, 1, 0]);
}

/** Activations [B,H,W,C] -> [B,C,H,W]. */
export function nhwcToNchw(data: Float32Array, nhwcShape: Shape4): Float32Array {
  return permute4d(data, nhwcShape, [0, 3, 1, 2]);
}

/** Activations [B,C,H,W] -> [B,H,W,C]. */
export function nchwToNhwc(data: Float32Array, nchwShape: Shape4): Float32Array {
  return permute4d(data, nchwShape, [0, 2, 3, 1]);
}

/** Row-major [rows, cols] -> [cols, rows]: tfjs dense [C,K] <-> PyTorch Linear [K,C]. */
export function transpose2d(data: Float32Array, shape: [number, number]): Float32Array {
  const [rows, cols] = shape;
  if (data.length !== rows * cols) throw new Error(`transpose2d: ${data.length} values do not fill [${rows},${cols}].`);
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

export function hwioShapeToOihw([kh, kw, i, o]: Shape4): Shape4 {
  return [o, i, kh, kw];
}

export function oihwShapeToHwio([o, i, kh, kw]: Shape4): Shape4 {
  return [kh, kw, i, o];
}
