/** The shape of a convolution parity case, shared by the conv kernel tests. */
export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvCase {
  name: string;
  /** NHWC input shape */
  x: [number, number, number, number];
  /** square filter size */
  k: number;
  outC: number;
  stride: number;
  pad: Pad;
}

/** Symmetric explicit padding, as torchvision's convs have (tfjs 'same' pads stride 2 bottom/right only). */
export const explicitPad = (p: number): Pad => [[0, 0], [p, p], [p, p], [0, 0]];
