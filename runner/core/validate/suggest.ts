/**
 * "Did you mean" from the value the author wrote: corrections, never unrelated sample values.
 */

/** Damerau-free Levenshtein distance. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** Case, `-` and `_` do not matter when comparing names (`kv_cache_dtype` is `kv-cache-dtype`). */
const normalize = (s: string) => s.toLowerCase().replace(/[-_]/g, "");

/** Typos worth correcting are short relative to the word: at most 2 edits, or a third of it. */
const closeEnough = (word: string, distance: number) => distance <= Math.max(2, Math.floor(word.length / 3));

/** The candidate nearest to `word` by spelling, if it is near enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = normalize(c) === normalize(word) ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && closeEnough(word, bestD) ? best : undefined;
}

/**
 * Names people use for values that the schema spells differently (vLLM's and llama.cpp's
 * spellings of the same thing). Only entries whose targets exist among the options are used.
 */
export const VALUE_ALIASES: Record<string, readonly string[]> = {
  bf16: ["bfloat16"],
  fp16: ["float16", "half", "f16"],
  f16: ["float16", "f16"],
  fp32: ["float32", "f32"],
  f32: ["float32", "f32"],
  float: ["float32"],
  fp4: ["modelopt_fp4", "mxfp4"],
  nvfp4: ["modelopt_fp4"],
  int4: ["awq", "gptq", "q4_0"],
  int8: ["experts_int8", "q8_0"],
  q8: ["q8_0"],
  q4: ["q4_0"],
  fp8e4m3: ["fp8_e4m3"],
  fp8e5m2: ["fp8_e5m2"],
  "llm-compressor": ["compressed-tensors"],
  compressedtensors: ["compressed-tensors"],
  mlpspeculator: ["mlp_speculator"],
  draft: ["draft_model"],
  eagle2: ["eagle"],
};

/**
 * Allowed values the author probably meant, best first: the same name spelled differently, a
 * known alias, an option that contains what was written (`fp4` → `modelopt_fp4`), then typos.
 * Empty when nothing is close: the caller then lists the options rather than guess.
 */
export function suggestValues(bad: string, options: readonly string[]): string[] {
  const written = normalize(bad);
  if (!written) return [];
  const same = options.filter((o) => normalize(o) === written);
  if (same.length) return same;
  const aliases = VALUE_ALIASES[written] ?? VALUE_ALIASES[bad.toLowerCase()];
  // A known name with no counterpart here gets no guess: its nearest spelling means something else.
  if (aliases) return aliases.filter((a) => options.includes(a));
  const containing = options.filter((o) => written.length >= 2 && normalize(o).includes(written));
  if (containing.length) return byDistance(bad, containing).slice(0, 3);
  const typo = closest(
    bad,
    options.filter((o) => sameWidth(bad, o)),
  );
  return typo ? [typo] : [];
}

/**
 * A typo correction keeps the first number as written: `fp4` is one edit from `fp8` and
 * `q4_0` from `q8_0`, but a different bit width is a different intent, not a typo.
 */
function sameWidth(a: string, b: string): boolean {
  const first = (s: string) => /\d+/.exec(s)?.[0];
  return first(a) === first(b);
}

function byDistance(word: string, candidates: string[]): string[] {
  const d = (c: string) => editDistance(word.toLowerCase(), c.toLowerCase());
  return [...candidates].sort((a, b) => d(a) - d(b) || a.localeCompare(b));
}

/** "`a`", "`a` or `b`", "`a`, `b` or `c`". */
export function orList(values: readonly string[]): string {
  const quoted = values.map((v) => `\`${v}\``);
  return quoted.length <= 1 ? (quoted[0] ?? "") : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}
