// Optimizers over plain Float32Arrays: Adam for training networks, L-BFGS for
// optimizing an image (Gatys et al.). Their state is plain data (numbers and
// Float32Arrays) so that it can be saved and restored exactly (see state.ts).
import type { SavedState } from '../io/state.js';

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

// ---------------------------------------------------------------- Adam
export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** L2 penalty added to the gradient (PyTorch Adam), or decoupled (AdamW) if `decoupledWeightDecay`. */
  weightDecay?: number;
  decoupledWeightDecay?: boolean;
}

/** Adam with bias correction (Kingma & Ba 2015), updating named buffers in place. */
export class Adam {
  lr: number;
  private t = 0;
  private readonly m = new Map<string, Float32Array>();
  private readonly v = new Map<string, Float32Array>();
  constructor(private readonly opts: AdamOptions) {
    this.lr = opts.lr;
  }

  get stepCount(): number {
    return this.t;
  }

  step(params: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): void {
    const { beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, decoupledWeightDecay = false } = this.opts;
    this.t++;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    const stepSize = this.lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    for (const [name, p] of params) {
      const g = grads.get(name);
      if (!g) continue;
      if (g.length !== p.length) throw new Error(`Adam: gradient of ${name} has ${g.length} values, parameter has ${p.length}`);
      let m = this.m.get(name);
      let v = this.v.get(name);
      if (!m || !v) {
        m = new Float32Array(p.length);
        v = new Float32Array(p.length);
        this.m.set(name, m);
        this.v.set(name, v);
      }
      for (let i = 0; i < p.length; i++) {
        let gi = g[i];
        if (weightDecay) {
          if (decoupledWeightDecay) p[i] -= this.lr * weightDecay * p[i];
          else gi += weightDecay * p[i];
        }
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        p[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
      }
    }
  }

  state(): SavedState {
    const arrays: Record<string, Float32Array> = {};
    for (const [k, a] of this.m) arrays[`m/${k}`] = Float32Array.from(a);
    for (const [k, a] of this.v) arrays[`v/${k}`] = Float32Array.from(a);
    return { scalars: { t: this.t, lr: this.lr }, arrays };
  }

  load(s: SavedState): void {
    this.t = s.scalars.t;
    this.lr = s.scalars.lr;
    this.m.clear();
    this.v.clear();
    for (const [k, a] of Object.entries(s.arrays)) {
      const target = k.startsWith('m/') ? this.m : this.v;
      target.set(k.slice(2), Float32Array.from(a));
    }
  }
}

// ---------------------------------------------------------------- L-BFGS
export interface LbfgsOptions {
  lr?: number;
  /** Iterations per `step` call. */
  maxIter?: number;
  /** Function evaluations per `step` call (default maxIter·1.25). */
  maxEval?: number;
  tolGrad?: number;
  tolChange?: number;
  historySize?: number;
  /** 'strong-wolfe' (cubic interpolation, as PyTorch) or 'none' (fixed step, as Lua neural-style). */
  lineSearch?: 'strong-wolfe' | 'none';
}

export type Objective = (x: Float32Array) => Promise<{ loss: number; grad: Float32Array }>;

function cubicInterpolate(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, bounds?: [number, number]): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq >= 0) {
    const d2 = Math.sqrt(d2sq);
    const minPos = x1 <= x2 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, lo), hi);
  }
  return (lo + hi) / 2;
}

/**
 * Limited-memory BFGS: the two-loop recursion with an optional strong-Wolfe
 * line search. A port of torch.optim.LBFGS (itself after minFunc) so that runs
 * compare step for step with PyTorch. `x` is updated in place.
 */
/** The strong Wolfe line search's constants (sufficient decrease, curvature, most evaluations), as PyTorch's. */
const WOLFE = { c1: 1e-4, c2: 0.9, maxLs: 25 };

/** The line search between its bracketing and zoom phases. */
interface LineSearchState {
  bracket: number[];
  bf: number[];
  bg: Float32Array[];
  bgtd: number[];
  done: boolean;
  lsIter: number;
  evals: number;
  t: number;
  fNew: number;
  gNew: Float32Array;
  gtdNew: number;
}

export class LBFGS {
  private readonly o: Required<LbfgsOptions>;
  private nIter = 0;
  funcEvals = 0;
  private d?: Float32Array;
  private t = 0;
  private oldDirs: Float32Array[] = [];
  private oldStps: Float32Array[] = [];
  private ro: number[] = [];
  private hDiag = 1;
  private prevFlatGrad?: Float32Array;
  private prevLoss = 0;

  constructor(
    readonly x: Float32Array,
    opts: LbfgsOptions = {},
  ) {
    const maxIter = opts.maxIter ?? 20;
    this.o = {
      lr: opts.lr ?? 1,
      maxIter,
      maxEval: opts.maxEval ?? Math.floor(maxIter * 1.25),
      tolGrad: opts.tolGrad ?? 1e-7,
      tolChange: opts.tolChange ?? 1e-9,
      historySize: opts.historySize ?? 100,
      lineSearch: opts.lineSearch ?? 'strong-wolfe',
    };
  }

  get iterations(): number {
    return this.nIter;
  }

  private addDir(t: number, d: Float32Array): void {
    for (let i = 0; i < this.x.length; i++) this.x[i] += t * d[i];
  }

  private async directional(f: Objective, x0: Float32Array, t: number, d: Float32Array): Promise<{ loss: number; grad: Float32Array }> {
    this.addDir(t, d);
    const r = await f(this.x);
    const grad = Float32Array.from(r.grad);
    this.x.set(x0);
    return { loss: r.loss, grad };
  }

  private async strongWolfe(f: Objective, x0: Float32Array, t: number, d: Float32Array, loss: number, g: Float32Array, gtd: number) {
    const [c1, c2, maxLs] = [WOLFE.c1, WOLFE.c2, WOLFE.maxLs];
    const dNorm = maxAbs(d);
    let { loss: fNew, grad: gNew } = await this.directional(f, x0, t, d);
    let evals = 1;
    let gtdNew = dot(gNew, d);
    let tPrev = 0;
    let fPrev = loss;
    let gPrev = g;
    let gtdPrev = gtd;
    let done = false;
    let lsIter = 0;
    let bracket: number[] = [];
    let bf: number[] = [];
    let bg: Float32Array[] = [];
    let bgtd: number[] = [];
    while (lsIter < maxLs) {
      if (fNew > loss + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
        [bracket, bf, bg, bgtd] = [
          [tPrev, t],
          [fPrev, fNew],
          [gPrev, gNew],
          [gtdPrev, gtdNew],
        ];
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        [bracket, bf, bg] = [[t], [fNew], [gNew]];
        done = true;
        break;
      }
      if (gtdNew >= 0) {
        [bracket, bf, bg, bgtd] = [
          [tPrev, t],
          [fPrev, fNew],
          [gPrev, gNew],
          [gtdPrev, gtdNew],
        ];
        break;
      }
      const minStep = t + 0.01 * (t - tPrev);
      const maxStep = t * 10;
      const tmp = t;
      t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
      tPrev = tmp;
      fPrev = fNew;
      gPrev = gNew;
      gtdPrev = gtdNew;
      ({ loss: fNew, grad: gNew } = await this.directional(f, x0, t, d));
      evals++;
      gtdNew = dot(gNew, d);
      lsIter++;
    }
    if (lsIter === maxLs)
      [bracket, bf, bg] = [
        [0, t],
        [loss, fNew],
        [g, gNew],
      ];

    // Zoom: shrink the bracket until the strong Wolfe conditions hold.
    const s: LineSearchState = { bracket, bf, bg, bgtd, done, lsIter, evals, t, fNew, gNew, gtdNew };
    const low = await this.zoom(f, x0, d, loss, gtd, dNorm, s);
    return { loss: s.bf[low], grad: s.bg[low], t: s.bracket[low], evals: s.evals };
  }

  /** The zoom phase of the line search: shrinks `s.bracket` until the strong Wolfe conditions hold; returns the low end. */
  private async zoom(f: Objective, x0: Float32Array, d: Float32Array, loss: number, gtd: number, dNorm: number, s: LineSearchState): Promise<number> {
    const [c1, c2, maxLs] = [WOLFE.c1, WOLFE.c2, WOLFE.maxLs];
    let insufProgress = false;
    let [low, high] = s.bf[0] <= s.bf[s.bf.length - 1] ? [0, 1] : [1, 0];
    while (!s.done && s.lsIter < maxLs) {
      if (Math.abs(s.bracket[1] - s.bracket[0]) * dNorm < this.o.tolChange) break;
      s.t = cubicInterpolate(s.bracket[0], s.bf[0], s.bgtd[0], s.bracket[1], s.bf[1], s.bgtd[1]);
      const bmax = Math.max(...s.bracket);
      const bmin = Math.min(...s.bracket);
      const eps = 0.1 * (bmax - bmin);
      if (Math.min(bmax - s.t, s.t - bmin) < eps) {
        if (insufProgress || s.t >= bmax || s.t <= bmin) {
          s.t = Math.abs(s.t - bmax) < Math.abs(s.t - bmin) ? bmax - eps : bmin + eps;
          insufProgress = false;
        } else insufProgress = true;
      } else insufProgress = false;
      ({ loss: s.fNew, grad: s.gNew } = await this.directional(f, x0, s.t, d));
      s.evals++;
      s.gtdNew = dot(s.gNew, d);
      s.lsIter++;
      if (s.fNew > loss + c1 * s.t * gtd || s.fNew >= s.bf[low]) {
        s.bracket[high] = s.t;
        s.bf[high] = s.fNew;
        s.bg[high] = s.gNew;
        s.bgtd[high] = s.gtdNew;
        [low, high] = s.bf[0] <= s.bf[1] ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(s.gtdNew) <= -c2 * gtd) s.done = true;
        else if (s.gtdNew * (s.bracket[high] - s.bracket[low]) >= 0) {
          s.bracket[high] = s.bracket[low];
          s.bf[high] = s.bf[low];
          s.bg[high] = s.bg[low];
          s.bgtd[high] = s.bgtd[low];
        }
        s.bracket[low] = s.t;
        s.bf[low] = s.fNew;
        s.bg[low] = s.gNew;
        s.bgtd[low] = s.gtdNew;
      }
    }
    return low;
  }

  /** Runs up to maxIter iterations; returns the loss at the starting point. */
  async step(f: Objective): Promise<number> {
    const o = this.o;
    let { loss, grad: g } = await f(this.x);
    let flatGrad: Float32Array = Float32Array.from(g);
    const origLoss = loss;
    let currentEvals = 1;
    this.funcEvals++;
    if (maxAbs(flatGrad) <= o.tolGrad) return origLoss;

    let n = 0;
    while (n < o.maxIter) {
      n++;
      this.nIter++;
      let d: Float32Array;
      if (this.nIter === 1) {
        d = flatGrad.map((v) => -v);
        this.oldDirs = [];
        this.oldStps = [];
        this.ro = [];
        this.hDiag = 1;
      } else {
        const prev = this.prevFlatGrad!;
        const dPrev = this.d!;
        const y = flatGrad.map((v, i) => v - prev[i]);
        const s = dPrev.map((v) => v * this.t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (this.oldDirs.length === o.historySize) {
            this.oldDirs.shift();
            this.oldStps.shift();
            this.ro.shift();
          }
          this.oldDirs.push(y);
          this.oldStps.push(s);
          this.ro.push(1 / ys);
          this.hDiag = ys / dot(y, y);
        }
        // Two-loop recursion: d = −H·g.
        const k = this.oldDirs.length;
        const al = new Array<number>(k);
        const q = new Float64Array(flatGrad.length);
        for (let i = 0; i < q.length; i++) q[i] = -flatGrad[i];
        for (let i = k - 1; i >= 0; i--) {
          al[i] = dot(this.oldStps[i], q) * this.ro[i];
          const yi = this.oldDirs[i];
          for (let j = 0; j < q.length; j++) q[j] -= al[i] * yi[j];
        }
        for (let j = 0; j < q.length; j++) q[j] *= this.hDiag;
        for (let i = 0; i < k; i++) {
          const be = dot(this.oldDirs[i], q) * this.ro[i];
          const si = this.oldStps[i];
          for (let j = 0; j < q.length; j++) q[j] += (al[i] - be) * si[j];
        }
        d = Float32Array.from(q);
      }
      this.d = d;
      this.prevFlatGrad = Float32Array.from(flatGrad);
      this.prevLoss = loss;
      let sumAbs = 0;
      for (let i = 0; i < flatGrad.length; i++) sumAbs += Math.abs(flatGrad[i]);
      this.t = this.nIter === 1 ? Math.min(1, 1 / sumAbs) * o.lr : o.lr;

      const gtd = dot(flatGrad, d);
      if (gtd > -o.tolChange) break;

      let lsEvals = 0;
      let optCond = false;
      if (o.lineSearch === 'strong-wolfe') {
        const x0 = Float32Array.from(this.x);
        const r = await this.strongWolfe(f, x0, this.t, d, loss, flatGrad, gtd);
        loss = r.loss;
        flatGrad = r.grad;
        this.t = r.t;
        lsEvals = r.evals;
        this.addDir(this.t, d);
        optCond = maxAbs(flatGrad) <= o.tolGrad;
      } else {
        this.addDir(this.t, d);
        if (n !== o.maxIter) {
          ({ loss, grad: g } = await f(this.x));
          flatGrad = Float32Array.from(g);
          optCond = maxAbs(flatGrad) <= o.tolGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      this.funcEvals += lsEvals;
      if (n === o.maxIter || currentEvals >= o.maxEval || optCond) break;
      if (maxAbs(d) * Math.abs(this.t) <= o.tolChange) break;
      if (Math.abs(loss - this.prevLoss) < o.tolChange) break;
    }
    return origLoss;
  }

  state(): SavedState {
    const arrays: Record<string, Float32Array> = { x: Float32Array.from(this.x) };
    if (this.d) arrays.d = Float32Array.from(this.d);
    if (this.prevFlatGrad) arrays.prevFlatGrad = Float32Array.from(this.prevFlatGrad);
    this.oldDirs.forEach((a, i) => (arrays[`oldDirs/${i}`] = Float32Array.from(a)));
    this.oldStps.forEach((a, i) => (arrays[`oldStps/${i}`] = Float32Array.from(a)));
    return {
      scalars: { nIter: this.nIter, funcEvals: this.funcEvals, t: this.t, hDiag: this.hDiag, prevLoss: this.prevLoss, history: this.oldDirs.length },
      lists: { ro: [...this.ro] },
      arrays,
    };
  }

  load(s: SavedState): void {
    const a = s.arrays;
    this.x.set(a.x);
    this.nIter = s.scalars.nIter;
    this.funcEvals = s.scalars.funcEvals;
    this.t = s.scalars.t;
    this.hDiag = s.scalars.hDiag;
    this.prevLoss = s.scalars.prevLoss;
    this.d = a.d ? Float32Array.from(a.d) : undefined;
    this.prevFlatGrad = a.prevFlatGrad ? Float32Array.from(a.prevFlatGrad) : undefined;
    const k = s.scalars.history;
    this.oldDirs = Array.from({ length: k }, (_, i) => Float32Array.from(a[`oldDirs/${i}`]));
    this.oldStps = Array.from({ length: k }, (_, i) => Float32Array.from(a[`oldStps/${i}`]));
    this.ro = [...(s.lists?.ro ?? [])];
  }
}
