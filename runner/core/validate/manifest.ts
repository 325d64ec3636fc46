import type { z } from "zod";
import { ChallengeSchema, type Challenge } from "../schema/challenge.ts";
import { SubmissionSchema, type Submission } from "../schema/submission.ts";
import type { Problem } from "./problem.ts";
import { keysAt } from "./shape.ts";
import { YamlFile } from "./yaml-doc.ts";
import { zodProblems } from "./zod-problems.ts";

export interface Parsed<T> {
  value?: T;
  problems: Problem[];
  yaml: YamlFile;
}

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
  return { problems: zodProblems({ yaml, data, knownKeys }, result.error), yaml };
}

export const parseSubmission = (file: string, text: string): Parsed<Submission> =>
  parseWith(SubmissionSchema, file, text);
export const parseChallenge = (file: string, text: string): Parsed<Challenge> =>
  parseWith(ChallengeSchema, file, text);
