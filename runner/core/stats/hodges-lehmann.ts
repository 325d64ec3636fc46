/**
 * Hodges-Lehmann estimators in O(n log n) time and linear memory: the median of all pairwise
 * differences (or Walsh averages) is found by selection, never by listing the n² values. The k-th
 * smallest value is located by bisection over the ordered bit patterns of doubles (64 steps), each
 * step counting the values ≤ t with two pointers over sorted inputs. Both x − y and (a + b) / 2 are
 * monotone in each argument even after rounding, so the result is bit-for-bit the value a sort of
 * all pairs would give.
 */

const view = new DataView(new ArrayBuffer(8));
const SIGN = 1n << 63n;

/** A BigInt key that orders doubles as numbers do (−0 and +0 share key 0). */
function keyOf(x: number): bigint {
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  return bits & SIGN ? -(bits & ~SIGN) : bits;
}

function fromKey(k: bigint): number {
  view.setBigUint64(0, k < 0n ? -k | SIGN : k);
  return view.getFloat64(0);
}

/** Smallest double t in [lo, hi] with count(t) ≥ k (count is non-decreasing in t). */
function selectKth(lo: number, hi: number, k: number, count: (t: number) => number): number {
  let a = keyOf(lo);
  let b = keyOf(hi);
  while (a < b) {
    const mid = (a + b) >> 1n;
    if (count(fromKey(mid)) >= k) b = mid;
    else a = mid + 1n;
  }
  return fromKey(a);
}

/** Median of a multiset of `total` values given the k-th smallest (1-based) selector. */
function medianBySelection(total: number, kth: (k: number) => number): number {
  if (total === 0) return NaN;
  const h = Math.floor(total / 2);
  return total % 2 ? kth(h + 1) : (kth(h) + kth(h + 1)) / 2;
}

/** Hodges-Lehmann shift: median of all pairwise differences x_i − y_j. */
export function hodgesLehmann2(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const xs = Float64Array.from(x).sort();
  const ys = Float64Array.from(y).sort();
  const nx = xs.length;
  const ny = ys.length;
  if (!nx || !ny) return NaN;
  // #{(i, j): x_i − y_j ≤ t}; for each i the qualifying j form a suffix that shrinks as i grows.
  const count = (t: number) => {
    let c = 0;
    let j = 0;
    for (let i = 0; i < nx; i++) {
      while (j < ny && xs[i]! - ys[j]! > t) j++;
      c += ny - j;
    }
    return c;
  };
  const lo = xs[0]! - ys[ny - 1]!;
  const hi = xs[nx - 1]! - ys[0]!;
  return medianBySelection(nx * ny, (k) => selectKth(lo, hi, k, count));
}

/** One-sample Hodges-Lehmann (pseudo-median): median of the Walsh averages (d_i + d_j) / 2, i ≤ j. */
export function hodgesLehmann1(diffs: ArrayLike<number>): number {
  const d = Float64Array.from(diffs).sort();
  const n = d.length;
  if (!n) return NaN;
  // #{i ≤ j: (d_i + d_j) / 2 ≤ t}; the last qualifying j only moves left as i grows.
  const count = (t: number) => {
    let c = 0;
    let j = n - 1;
    for (let i = 0; i < n && j >= i; i++) {
      while (j >= i && (d[i]! + d[j]!) / 2 > t) j--;
      c += Math.max(0, j - i + 1);
    }
    return c;
  };
  return medianBySelection((n * (n + 1)) / 2, (k) => selectKth(d[0]!, d[n - 1]!, k, count));
}
