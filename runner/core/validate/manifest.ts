import type { z } from "zod";
import { ChallengeSchema, type Challenge } from "../schema/challenge.ts";
import { SubmissionSchema, type Submission } from "../schema/submission.ts";
import type { Problem } from "./problem.ts";
import { keysAt } from "./shape.ts";
import { YamlFile, zodProblems } from "./yaml-doc.ts";

export interface Parsed<T> {
  value?: T;
  problems: Problem[];
  yaml: YamlFile;
}

/** Parse YAML text, then validate it; every problem carries file:line:col. */
export function parseWith<S extends z.ZodType>(schema: S, file: string, text: string): Parsed<z.output<S>> {
  const yaml = new YamlFile(file, text);
  const syntax = yaml.syntaxProblems();
  if (syntax.length) return { problems: syntax, yaml };
  const data = yaml.toJS();
  if (data === null || data === undefined) {
    return {
      problems: [
        {
          file,
          line: 1,
          col: 1,
          code: "empty-file",
          message: "the file is empty",
          fix: "start from `npx velodrome new <slug>`",
        },
      ],
      yaml,
    };
  }
  const result = schema.safeParse(data);
  if (result.success) return { value: result.data, problems: [], yaml };
  return { problems: zodProblems(yaml, result.error, (path) => keysAt(schema, path, data)), yaml };
}

export const parseSubmission = (file: string, text: string): Parsed<Submission> =>
  parseWith(SubmissionSchema, file, text);
export const parseChallenge = (file: string, text: string): Parsed<Challenge> =>
  parseWith(ChallengeSchema, file, text);
