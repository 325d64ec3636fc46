import mt19937 from "@stdlib/random-base-mt19937";

/** A seeded uniform [0,1) generator (Mersenne Twister) and helpers built on it. */
export interface Rng {
  uniform(): number;
  int(n: number): number; // 0..n-1
  normal(): number;
}

export function seededRng(seed: number): Rng {
  const gen = mt19937.factory({ seed: seed >>> 0 || 1 });
  // 32-bit output scaled to [0, 1); the generator's `normalized` helper is untyped in its .d.ts.
  const uniform = () => gen() / 4294967296;
  let spare: number | undefined;
  return {
    uniform,
    int: (n) => Math.floor(uniform() * n),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      // Marsaglia polar method.
      let u: number, v: number, s: number;
      do {
        u = 2 * uniform() - 1;
        v = 2 * uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      spare = v * f;
      return u * f;
    },
  };
}

/** Fisher–Yates shuffle with a seeded generator. */
export function shuffle<T>(xs: readonly T[], rng: Rng): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** Derive a 32-bit seed from a string (FNV-1a), e.g. from a run id. */
export function seedFrom(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}
