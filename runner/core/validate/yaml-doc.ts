import {
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Document,
  type Node,
} from "yaml";
import type { z } from "zod";
import { closest, type Problem } from "./problem.ts";

export interface Located {
  line: number;
  col: number;
}

/** A parsed YAML file that can answer "where is path X?" for error messages. */
export class YamlFile {
  readonly doc: Document.Parsed;
  private readonly lc = new LineCounter();
  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lc, prettyErrors: false, uniqueKeys: true });
  }

  private pos(offset: number): Located {
    const { line, col } = this.lc.linePos(offset);
    return { line, col };
  }

  /** YAML syntax errors as problems. */
  syntaxProblems(): Problem[] {
    return this.doc.errors.map((e) => {
      const { line, col } = this.pos(e.pos[0]);
      return {
        file: this.file,
        line,
        col,
        code: "yaml-syntax",
        message: `malformed YAML: ${e.message.split("\n")[0]}`,
        fix: "check indentation and quoting on this line; a value with `: ` or `#` needs quotes",
      };
    });
  }

  /**
   * Position of the deepest node that exists along `path`; with `key`, the position of the
   * key itself (used for unknown keys) rather than its value.
   */
  locate(path: readonly PropertyKey[], key?: string): Located {
    let node: unknown = this.doc.contents;
    let best: Located = { line: 1, col: 1 };
    if (isNode(node) && node.range) best = this.pos(node.range[0]);
    const segs = key === undefined ? path : [...path, key];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      const last = i === segs.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        if (last && key !== undefined && isNode(pair.key) && pair.key.range)
          return this.pos(pair.key.range[0]);
        const target = (pair.value ?? pair.key) as Node | null;
        if (isNode(target) && target.range) best = this.pos(target.range[0]);
        else if (isNode(pair.key) && pair.key.range) best = this.pos(pair.key.range[0]);
        node = pair.value;
      } else if (isSeq(node) && typeof seg === "number") {
        const item = node.items[seg];
        if (!isNode(item) || !item.range) break;
        best = this.pos(item.range[0]);
        node = item;
      } else if (isPair(node)) {
        node = node.value;
      } else break;
    }
    return best;
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 100 });
  }
}

/** Example values an author can copy, keyed by the last path segment. */
const EXAMPLES: Record<string, string> = {
  schema: "schema: 1",
  title: 'title: "int4 weights with MTP speculative decoding"',
  authors: "authors: [octocat]",
  parents: "parents: [baseline]",
  credits: 'credits: [{ who: octocat, for: "the int4 export script" }]',
  engine: "engine: { kind: vllm, args: { max-num-seqs: 1 } }",
  kind: "kind: vllm",
  who: "who: octocat",
  for: 'for: "the draft model idea"',
  num_speculative_tokens: "num_speculative_tokens: 4",
  "max-num-seqs": "max-num-seqs: 1",
  "kv-cache-dtype": "kv-cache-dtype: fp8",
  "enforce-eager": "enforce-eager: false",
  extra_args: 'extra_args: ["--disable-cascade-attn"]',
};

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)}`;
}

function getAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg as string];
  }
  return cur;
}

/** Shapes of zod issues we read; zod's own union type is wide and version-specific. */
interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: unknown;
  keys?: string[];
  values?: unknown[];
  options?: unknown[];
  minimum?: unknown;
  maximum?: unknown;
  discriminator?: string;
}

/**
 * Turns zod issues into file:line problems. `knownKeys(path)` lists the keys valid at a path, so
 * an unknown key gets a "did you mean" hint.
 */
export function zodProblems(
  y: YamlFile,
  error: z.ZodError,
  knownKeys: (path: PropertyKey[]) => string[],
): Problem[] {
  const data = y.toJS();
  const out: Problem[] = [];
  for (const raw of error.issues as unknown as IssueLike[]) {
    const path = raw.path.filter((p): p is string | number => typeof p === "string" || typeof p === "number");
    const dotted = path.length ? path.join(".") : "(top level)";
    const lastKey = [...path].reverse().find((p): p is string => typeof p === "string");
    const example = lastKey ? EXAMPLES[lastKey] : undefined;
    if (raw.code === "unrecognized_keys" && raw.keys) {
      const known = knownKeys(path);
      for (const k of raw.keys) {
        const { line, col } = y.locate(path, k);
        const guess = closest(k, known);
        out.push({
          file: y.file,
          line,
          col,
          code: "unknown-key",
          path: [...path, k],
          message: `unknown key \`${k}\`${path.length ? ` in \`${dotted}\`` : ""}`,
          expected: known.length ? `one of: ${known.join(", ")}` : undefined,
          fix: guess
            ? `did you mean \`${guess}\`? (vLLM arguments not typed here go in \`extra_args\`)`
            : path.at(-1) === "args"
              ? `remove it, or pass it through \`extra_args: ["--${k}", "<value>"]\``
              : `remove \`${k}\``,
        });
      }
      continue;
    }
    const { line, col } = y.locate(path);
    const actual = getAt(data, path);
    if (raw.code === "invalid_type" && actual === undefined) {
      out.push({
        file: y.file,
        line,
        col,
        code: "missing-key",
        path,
        message: `\`${dotted}\` is required but missing`,
        expected: String(raw.expected ?? "a value"),
        fix: example ? `add \`${example}\`` : undefined,
      });
    } else if (raw.code === "invalid_type") {
      out.push({
        file: y.file,
        line,
        col,
        code: "wrong-type",
        path,
        message: `\`${dotted}\` has the wrong type: got ${describeValue(actual)}`,
        expected: String(raw.expected),
        fix: example,
      });
    } else if (raw.code === "invalid_value" || raw.code === "invalid_enum_value") {
      const options = (raw.values ?? raw.options ?? []).map((v) => String(v));
      out.push({
        file: y.file,
        line,
        col,
        code: "bad-value",
        path,
        message: `\`${dotted}\` cannot be ${describeValue(actual)}`,
        expected: options.length ? `one of: ${options.join(", ")}` : raw.message,
        fix: options.length && lastKey ? `${lastKey}: ${options[0]}` : example,
      });
    } else if (raw.code === "invalid_union" && raw.discriminator) {
      out.push({
        file: y.file,
        line,
        col,
        code: "bad-value",
        path: [...path, raw.discriminator],
        message: `\`${dotted}.${raw.discriminator}\` must name a known engine, got ${describeValue(getAt(actual, [raw.discriminator]))}`,
        expected: "one of: vllm, embedded",
        fix: "kind: vllm",
      });
    } else if (raw.code === "too_small" || raw.code === "too_big") {
      out.push({
        file: y.file,
        line,
        col,
        code: raw.code === "too_small" ? "too-small" : "too-big",
        path,
        message: `\`${dotted}\`: ${raw.message}`,
        expected: raw.message,
        fix: example,
      });
    } else {
      out.push({
        file: y.file,
        line,
        col,
        code: "invalid",
        path,
        message: `\`${dotted}\`: ${raw.message} (got ${describeValue(actual)})`,
        fix: example,
      });
    }
  }
  return out;
}
