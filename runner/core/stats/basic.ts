/** Small descriptive helpers; each is a few lines, not worth a dependency per function. */
export function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i]!;
  return s;
}
export const mean = (xs: ArrayLike<number>) => (xs.length ? sum(xs) / xs.length : NaN);
/** Sample variance (n − 1), two-pass so that large means do not swamp small spreads. */
export function variance(xs: ArrayLike<number>): number {
  if (xs.length < 2) return NaN;
  const m = mean(xs);
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += (xs[i]! - m) ** 2;
  return ss / (xs.length - 1);
}
export const sd = (xs: ArrayLike<number>) => Math.sqrt(variance(xs));
export function median(xs: ArrayLike<number>): number {
  if (!xs.length) return NaN;
  const s = Float64Array.from(xs).sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
/** Linear-interpolation quantile (R type 7, numpy's default). */
export function quantileSorted(s: ArrayLike<number>, q: number): number {
  if (!s.length) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi || s[lo] === s[hi]) return s[lo]!; // also keeps ±Infinity from turning into NaN
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
