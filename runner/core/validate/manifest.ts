import type { z } from "zod";
import { ChallengeSchema, type Challenge } from "../schema/challenge.ts";
import { SubmissionSchema, type Submission } from "../schema/submission.ts";
import type { Problem } from "./problem.ts";
import { keysAt } from "./shape.ts";
import { closest } from "./suggest.ts";
import { YamlFile } from "./yaml-doc.ts";
import { zodProblems } from "./zod-problems.ts";

export interface Parsed<T> {
  value?: T;
  problems: Problem[];
  yaml: YamlFile;
  /**
   * When the schema failed only on parts it can do without (optional or defaulted keys, unknown
   * keys): the value with those parts left out, and the paths left out (with an unknown key's
   * nearest known spelling). The rules run on it, so one pass reports the schema's problems and the
   * rules', and a rule's problem at a path left out is dropped (its cause is the schema problem).
   */
  partial?: { value: T; omitted: Path[] };
}

type Path = (string | number)[];

function emptyFile(file: string): Problem {
  return {
    file,
    line: 1,
    col: 1,
    code: "empty-file",
    message: "the file is empty",
    fix: "start from `npx velodrome new <slug>`",
  };
}

/**
 * Parse YAML text, then validate it against a schema; every problem carries file:line:col.
 * Never throws: parser failures (syntax, alias bombs, deep nesting) are problems too.
 */
export function parseWith<S extends z.ZodType>(schema: S, file: string, text: string): Parsed<z.output<S>> {
  const yaml = new YamlFile(file, text);
  const syntax = yaml.syntaxProblems();
  if (syntax.length) return { problems: syntax, yaml };
  const read = yaml.read();
  if (!read.ok) return { problems: read.problems, yaml };
  const data = read.data;
  if (data === null || data === undefined) return { problems: [emptyFile(file)], yaml };
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, problems: [], yaml };
  const knownKeys = (path: PropertyKey[]) => keysAt(schema, path, data);
  const partial = withoutBadParts(schema, data, result.error, knownKeys);
  return {
    problems: zodProblems({ yaml, data, knownKeys }, result.error),
    yaml,
    ...(partial ? { partial } : {}),
  };
}

/** Deletes the value at `path`; inside a list, the whole list (the other elements' indices stay). */
function omit(data: unknown, path: Path): Path | undefined {
  const firstIndex = path.findIndex((k) => typeof k === "number");
  const at = firstIndex === -1 ? path : path.slice(0, firstIndex);
  if (at.length === 0) return undefined;
  const parent = valueAt(data, at.slice(0, -1));
  if (parent && typeof parent === "object" && !Array.isArray(parent))
    delete (parent as Record<string, unknown>)[at.at(-1)!];
  return at;
}

const valueAt = (data: unknown, path: Path): unknown =>
  path.reduce<unknown>(
    (n, k) => (n && typeof n === "object" ? (n as Record<string | number, unknown>)[k] : undefined),
    data,
  );

/**
 * The data without the parts the schema refused, re-parsed, when what is left passes: a refused
 * required key cannot be left out, nor the whole file, and then there is no partial value.
 */
function withoutBadParts<S extends z.ZodType>(
  schema: S,
  data: unknown,
  error: z.ZodError,
  knownKeys: (path: PropertyKey[]) => string[],
): Parsed<z.output<S>>["partial"] {
  const copy = structuredClone(data);
  const omitted: Path[] = [];
  let issues = error.issues;
  for (let round = 0; round < 3; round++) {
    for (const issue of issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== "symbol");
      const keys = issue.code === "unrecognized_keys" ? issue.keys : undefined;
      if (keys) {
        for (const k of keys) omitted.push(omit(copy, [...path, k])!);
        const near = keys.map((k) => closest(k, knownKeys(path))).filter((k) => k !== undefined);
        omitted.push(...near.map((k) => [...path, k]));
        continue;
      }
      // A missing required key (or one an earlier round left out) cannot be left out.
      if (valueAt(copy, path) === undefined) return undefined;
      const at = omit(copy, path);
      if (!at) return undefined;
      omitted.push(at);
    }
    const again = schema.safeParse(copy);
    if (again.success) return { value: again.data, omitted };
    issues = again.error.issues;
  }
  return undefined;
}

export const parseSubmission = (file: string, text: string): Parsed<Submission> =>
  parseWith(SubmissionSchema, file, text);
export const parseChallenge = (file: string, text: string): Parsed<Challenge> =>
  parseWith(ChallengeSchema, file, text);
