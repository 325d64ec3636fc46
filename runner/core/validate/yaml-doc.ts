import {
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  visit,
  type Document,
  type Node,
} from "yaml";
import type { Problem } from "./problem.ts";

export interface Located {
  line: number;
  col: number;
}

/**
 * Aliases expanded when converting to plain data. A manifest needs none; a "billion laughs"
 * document needs millions. The `yaml` library throws past this count.
 */
export const MAX_ALIAS_COUNT = 100;
/** A manifest is a page of settings; anything far larger is an attack on the parser. */
export const MAX_YAML_BYTES = 256 * 1024;

/** The outcome of reading a YAML file: data, or problems with positions. Never throws. */
export type YamlData = { ok: true; data: unknown } | { ok: false; problems: Problem[] };

/** A parsed YAML file that can answer "where is path X?" for error messages. */
export class YamlFile {
  readonly doc: Document.Parsed;
  private readonly lc = new LineCounter();
  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    // Oversized input is never handed to the parser (its cost grows with size and nesting).
    const source = text.length > MAX_YAML_BYTES ? "" : text;
    this.doc = parseDocument(source, { lineCounter: this.lc, prettyErrors: false, uniqueKeys: true });
  }

  private pos(offset: number): Located {
    const { line, col } = this.lc.linePos(offset);
    return { line, col };
  }

  /** YAML syntax errors (and a file too large to parse) as problems. */
  syntaxProblems(): Problem[] {
    if (this.text.length > MAX_YAML_BYTES)
      return [
        {
          file: this.file,
          line: 0,
          col: 0,
          code: "file-too-large",
          message: `the file is ${this.text.length} characters; a manifest is at most ${MAX_YAML_BYTES}`,
          fix: "keep long text out of the manifest (a README.md in the folder can hold it)",
        },
      ];
    return this.doc.errors.map((e) => this.syntaxProblem(e.message, e.pos[0]));
  }

  private syntaxProblem(raw: string, offset: number): Problem {
    const { line, col } = this.pos(offset);
    const tooDeep = /call stack/i.test(raw);
    return {
      file: this.file,
      line,
      col,
      code: tooDeep ? "yaml-unreadable" : "yaml-syntax",
      message: tooDeep ? "the YAML is nested too deeply to read" : `malformed YAML: ${raw.split("\n")[0]}`,
      fix: tooDeep
        ? "a manifest needs a few levels of nesting; remove the deep structure"
        : "check indentation and quoting on this line; a value with `: ` or `#` needs quotes",
    };
  }

  /**
   * The document as plain data. An alias bomb or any other failure of the converter becomes a
   * problem at the first alias (or the top of the file), never an exception.
   */
  read(): YamlData {
    try {
      return { ok: true, data: this.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
    } catch (e) {
      return { ok: false, problems: [this.conversionProblem(e)] };
    }
  }

  private conversionProblem(e: unknown): Problem {
    const reason = e instanceof Error ? e.message : String(e);
    const alias = this.firstAlias();
    const where = alias ?? { line: 1, col: 1 };
    if (/excessive alias count/i.test(reason) && alias)
      return {
        file: this.file,
        ...where,
        code: "yaml-alias-limit",
        message: `YAML aliases expand past ${MAX_ALIAS_COUNT} copies (an alias bomb)`,
        expected: "plain values; a manifest needs no anchors or aliases",
        fix: "write the values out instead of using `&anchor` and `*alias`",
      };
    return {
      file: this.file,
      ...where,
      code: "yaml-unreadable",
      message: `the YAML cannot be read: ${reason.split("\n")[0]}`,
      fix: "write plain mappings, lists and scalars, without anchors, aliases or custom tags",
    };
  }

  private firstAlias(): Located | undefined {
    let found: Located | undefined;
    visit(this.doc, {
      Alias: (_key, node) => {
        if (node.range) found = this.pos(node.range[0]);
        return visit.BREAK;
      },
    });
    return found;
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

  /** The text of the scalar at `path` as written in the file (`1`, `yes`, `"x"`), if it is one. */
  sourceAt(path: readonly PropertyKey[]): string | undefined {
    const node = this.doc.getIn(path as unknown[], true);
    if (!isScalar(node) || isAlias(node) || !node.range) return undefined;
    return this.text.slice(node.range[0], node.range[1]);
  }
}
