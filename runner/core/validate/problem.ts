/**
 * One thing wrong with the input, anchored to a file position. Structured like zod's issues so
 * agents can act on them; `formatProblem` pretty-prints them separately for people.
 */
export interface Problem {
  file: string;
  line: number; // 1-based; 0 when the problem concerns the file as a whole
  col: number; // 1-based
  code: string; // stable identifier, e.g. "unknown-key", "missing-parent"
  message: string;
  path?: (string | number)[]; // location inside the document, when it has one
  expected?: string;
  fix?: string; // an example of what would be right
}

export function formatProblem(p: Problem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
  const lines = [`${where}: error[${p.code}]: ${p.message}`];
  if (p.expected) lines.push(`  expected: ${p.expected}`);
  if (p.fix) lines.push(`  fix: ${p.fix}`);
  return lines.join("\n");
}

export function sortProblems(ps: Problem[]): Problem[] {
  return [...ps].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code),
  );
}

/** Damerau-free Levenshtein distance, for "did you mean" hints on misspelled keys. */
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

export function closest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = norm(c) === norm(word) ? 0 : editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}
