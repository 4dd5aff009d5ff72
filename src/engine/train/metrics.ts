/**
 * Evaluation metrics computed on the CPU from read-back arrays: accuracy, per-class and macro ROC
 * AUC (one-vs-rest), confusion matrix, CAM-gaze agreement, and accuracy where a shortcut contradicts
 * the label (DESIGN.md section 1: report robustness next to AUC and CAM-gaze r).
 */

/** ROC AUC by the rank-sum (Mann-Whitney U) with average ranks for ties; NaN without both classes. */
export function rocAuc(scores: ArrayLike<number>, positive: ArrayLike<boolean>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = avg;
    i = j + 1;
  }
  let nPos = 0;
  let rankSum = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) {
      nPos++;
      rankSum += ranks[i];
    }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Pearson correlation of two equal-length arrays; NaN when either is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>, offsetA = 0, offsetB = 0, length = a.length): number {
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < length; i++) {
    sa += a[offsetA + i];
    sb += b[offsetB + i];
  }
  const ma = sa / length;
  const mb = sb / length;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < length; i++) {
    const da = a[offsetA + i] - ma;
    const db = b[offsetB + i] - mb;
    cov += da * db;
    va += da * da;
    vb += db * db;
  }
  return va > 0 && vb > 0 ? cov / Math.sqrt(va * vb) : NaN;
}

/** Share of the CAM's mass inside the pixels holding the top `fraction` of gaze values. */
export function massInTopGaze(cam: ArrayLike<number>, gaze: ArrayLike<number>, fraction = 0.2): number {
  const n = gaze.length;
  const sorted = Float64Array.from(gaze).sort();
  const threshold = sorted[Math.min(n - 1, Math.floor(n * (1 - fraction)))];
  let inside = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    total += cam[i];
    if (gaze[i] >= threshold) inside += cam[i];
  }
  return total > 0 ? inside / total : NaN;
}

export interface SplitMetrics {
  count: number;
  loss: number;
  accuracy: number;
  /** per class, NaN where the split lacks positives or negatives */
  auc: number[];
  /** mean of the defined per-class AUCs */
  macroAuc: number;
  /** confusion[true][predicted] */
  confusion: number[][];
  /** mean over images with gaze of Pearson r(true-class normalised CAM, gaze) */
  camGazeR: number;
  /** mean over images with gaze of the CAM mass inside the top-20% gaze region */
  camMassInGaze: number;
  withGaze: number;
  /** accuracy on images whose shortcut contradicts the label (NaN when the data has none) */
  conflictAccuracy: number;
  conflictCount: number;
}

const mean = (xs: number[]) => {
  const defined = xs.filter((x) => Number.isFinite(x));
  return defined.length ? defined.reduce((a, b) => a + b, 0) / defined.length : NaN;
};

/** Accumulates predictions batch by batch, then summarises. */
export class MetricsAccumulator {
  private probs: number[][] = [];
  private labels: number[] = [];
  private conflict: number[] = [];
  private lossSum = 0;
  private rs: number[] = [];
  private masses: number[] = [];

  constructor(private readonly numClasses: number) {}

  /** probs [n*K], the true-class CAM and gaze for images with gaze ([pixels] each) come separately. */
  addPredictions(probs: ArrayLike<number>, labels: ArrayLike<number>, conflict: ArrayLike<number>, ceLossSum: number): void {
    const k = this.numClasses;
    for (let i = 0; i < labels.length; i++) {
      this.probs.push(Array.from({ length: k }, (_, c) => probs[i * k + c]));
      this.labels.push(labels[i]);
      this.conflict.push(conflict[i]);
    }
    this.lossSum += ceLossSum;
  }

  addCamGaze(cam: ArrayLike<number>, gaze: ArrayLike<number>): void {
    this.rs.push(pearson(cam, gaze));
    this.masses.push(massInTopGaze(cam, gaze));
  }

  summary(): SplitMetrics {
    const k = this.numClasses;
    // Images whose label the model does not know (-1) have predictions but no metrics.
    const known = this.labels.map((l, i) => (l >= 0 ? i : -1)).filter((i) => i >= 0);
    this.probs = known.map((i) => this.probs[i]);
    this.labels = known.map((i) => this.labels[i]);
    this.conflict = known.map((i) => this.conflict[i]);
    const n = this.labels.length;
    const confusion = Array.from({ length: k }, () => new Array(k).fill(0));
    let correct = 0;
    let conflictCorrect = 0;
    let conflictCount = 0;
    this.probs.forEach((p, i) => {
      const pred = p.indexOf(Math.max(...p));
      confusion[this.labels[i]][pred]++;
      if (pred === this.labels[i]) correct++;
      if (this.conflict[i]) {
        conflictCount++;
        if (pred === this.labels[i]) conflictCorrect++;
      }
    });
    const auc = Array.from({ length: k }, (_, c) =>
      rocAuc(this.probs.map((p) => p[c]), this.labels.map((l) => l === c)),
    );
    return {
      count: n,
      loss: n ? this.lossSum / n : NaN,
      accuracy: n ? correct / n : NaN,
      auc,
      macroAuc: mean(auc),
      confusion,
      camGazeR: mean(this.rs),
      camMassInGaze: mean(this.masses),
      withGaze: this.rs.length,
      conflictAccuracy: conflictCount ? conflictCorrect / conflictCount : NaN,
      conflictCount,
    };
  }
}
