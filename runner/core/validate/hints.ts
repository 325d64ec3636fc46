import { stringify } from "yaml";
import { orList, suggestValues } from "./suggest.ts";

/**
 * Fixes derived from the value the author wrote, so a hint corrects the spelling of their intent
 * (`yes` → `true`, `bf16` → `bfloat16`) instead of showing an unrelated sample value.
 */
export interface BadValue {
  /** The key the value sits under (`enforce-eager`, `VLLM_USE_V1`). */
  key: string;
  /** Where it sits in the document. */
  path: readonly (string | number)[];
  /** The value after YAML parsing. */
  actual: unknown;
  /** The scalar as written in the file, when it is one (`1`, `yes`, `"x"`). */
  source?: string;
}

/** Words YAML 1.1 and people use for booleans; YAML 1.2 (what we parse) reads them as strings. */
const TRUTHY = ["yes", "y", "on", "true", "1", "enable", "enabled"];
const FALSY = ["no", "n", "off", "false", "0", "disable", "disabled"];

/** `enforce-eager: yes` → `enforce-eager: true`; unknowable intent → both spellings, never a guess. */
export function booleanFix(v: BadValue): string {
  const word = String(v.actual).trim().toLowerCase();
  if (TRUTHY.includes(word)) return `\`${v.key}: true\` (YAML booleans are written true or false)`;
  if (FALSY.includes(word)) return `\`${v.key}: false\` (YAML booleans are written true or false)`;
  return `\`${v.key}: true\` or \`${v.key}: false\``;
}

/** `max-num-seqs: "4"` → `max-num-seqs: 4`; undefined when the text is no number. */
export function numberFix(v: BadValue): string | undefined {
  if (typeof v.actual !== "string" || v.actual.trim() === "") return undefined;
  const n = Number(v.actual.trim().replace(/_/g, ""));
  return Number.isFinite(n) ? `\`${v.key}: ${n}\` (a number, without quotes)` : undefined;
}

/** A JSON object written as a string, printed as the YAML mapping it means; else undefined. */
export function jsonAsYaml(key: string, text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return undefined;
  return stringify({ [key]: parsed }, { lineWidth: 100 }).trimEnd();
}

/**
 * `speculative-config: '{"method": "mtp", ...}'` (vLLM's command-line form) → the same object
 * as YAML, printed from the parsed JSON.
 */
export function objectFix(v: BadValue): string | undefined {
  if (typeof v.actual !== "string") return undefined;
  const yaml = jsonAsYaml(v.key, v.actual);
  return yaml ? `write it as a YAML mapping, not a JSON string:\n${yaml}` : undefined;
}

/** `max-num-seqs: 1.5` → the whole numbers either side. */
export function wholeNumberFix(v: BadValue, n: number): string | undefined {
  if (!Number.isFinite(n)) return undefined;
  return `\`${v.key}: ${Math.floor(n)}\` or \`${v.key}: ${Math.ceil(n)}\` (a whole number)`;
}

/** `authors: alice` → `authors: [alice]`. */
export function listFix(v: BadValue): string | undefined {
  if (typeof v.actual !== "string" && typeof v.actual !== "number") return undefined;
  return `\`${v.key}: [${String(v.actual)}]\` (a list, even of one)`;
}

/** `VLLM_USE_V1: 1` → `VLLM_USE_V1: "1"`: environment values are strings, so quote them. */
export function envStringFix(v: BadValue): string | undefined {
  if (v.actual === null || typeof v.actual === "object") return undefined;
  const text = v.source && !/^["']/.test(v.source) ? v.source : String(v.actual);
  return `\`${v.key}: ${JSON.stringify(text)}\` (environment values are strings: quote them)`;
}

/** `dtype: bf16` → `bfloat16`; `quantization: fp4` → `modelopt_fp4` or `mxfp4`; else the list. */
export function enumFix(v: BadValue, options: readonly string[]): string | undefined {
  if (typeof v.actual !== "string" && typeof v.actual !== "number") return undefined;
  const guesses = suggestValues(String(v.actual), options);
  if (guesses.length === 0) return undefined;
  if (guesses.length === 1) return `\`${v.key}: ${guesses[0]}\``;
  return `did you mean ${orList(guesses)}?`;
}

/** Whether a path is a value inside a submission's `engine.env` mapping. */
export const isEnvValue = (path: readonly (string | number)[]) =>
  path.length === 3 && path[0] === "engine" && path[1] === "env";

/** A fix for a value of the wrong type, from what was expected and what was written. */
export function wrongTypeFix(v: BadValue, expected: string): string | undefined {
  if (isEnvValue(v.path) && expected === "string") return envStringFix(v);
  if (expected === "boolean") return booleanFix(v);
  if (expected === "int" && typeof v.actual === "number") return wholeNumberFix(v, v.actual);
  if (expected === "number" || expected === "int") return numberFix(v);
  if (expected === "object" || expected === "record") return objectFix(v);
  if (expected === "array") return listFix(v);
  return undefined;
}
