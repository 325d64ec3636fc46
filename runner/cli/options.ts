import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "../core/errors.ts";

/**
 * Each command's options, declared once (name, type, description, default) in a table like
 * vitest's CLI option tables. The `node:util` parseArgs config, the type checks that run before
 * any long work starts, and the `--help` text are all generated from the table.
 */

export type OptionType = "string" | "boolean" | "integer" | "number";

export interface OptionSpec {
  type: OptionType;
  description: string;
  default?: string | number | boolean;
  short?: string;
  multiple?: boolean;
  /** The value's name in help (`--out FILE`); default: the type. */
  placeholder?: string;
  /** Allowed values of a string option. */
  choices?: readonly string[];
  /** Bounds of a number or integer option (inclusive). */
  min?: number;
  max?: number;
  /** A pattern a string value must match (e.g. a SHA). */
  pattern?: RegExp;
  /** The option must be given. */
  required?: boolean;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandSpec {
  /** `velodrome <name>`, e.g. "bench" or "gh publish". */
  name: string;
  /** Positional arguments as help shows them, e.g. "<slug>". */
  args?: string;
  summary: string;
  /** Paragraphs after the usage line. */
  description?: string;
  options: OptionTable;
  /** Subcommands, each with its own table; the parent's options are shared by all of them. */
  subcommands?: Record<string, CommandSpec>;
}

type Scalar<S extends OptionSpec> = S["type"] extends "boolean"
  ? boolean
  : S["type"] extends "integer" | "number"
    ? number
    : string;

type Value<S extends OptionSpec> = S extends { multiple: true }
  ? Scalar<S>[]
  : S extends { default: unknown }
    ? Scalar<S>
    : S extends { required: true }
      ? Scalar<S>
      : Scalar<S> | undefined;

/** The parsed values of a table, typed from the table itself. */
export type OptionValues<T extends OptionTable> = { -readonly [K in keyof T]: Value<T[K]> };

const HELP_OPTION: OptionSpec = { type: "boolean", short: "h", description: "show this help" };

/** The parseArgs config of a table: numbers travel as strings and are checked afterwards. */
export function parseArgsConfig(table: OptionTable): NonNullable<ParseArgsConfig["options"]> {
  const out: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries({ ...table, help: HELP_OPTION })) {
    out[name] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  return out;
}

/** Checks and converts one raw string value; a bad value is a usage error naming the option. */
function convert(name: string, spec: OptionSpec, raw: string): string | number {
  const bad = (want: string) => new UsageError(`--${name} must be ${want}, got \`${raw}\``);
  if (spec.type === "integer" || spec.type === "number") {
    const x = raw.trim() === "" ? NaN : Number(raw);
    if (!Number.isFinite(x) || (spec.type === "integer" && !Number.isInteger(x)))
      throw bad(spec.type === "integer" ? "an integer" : "a number");
    if ((spec.min !== undefined && x < spec.min) || (spec.max !== undefined && x > spec.max))
      throw bad(`from ${spec.min ?? "-∞"} to ${spec.max ?? "∞"}`);
    return x;
  }
  if (spec.choices && !spec.choices.includes(raw)) throw bad(`one of ${spec.choices.join(", ")}`);
  if (spec.pattern && !spec.pattern.test(raw))
    throw bad(`of the form ${spec.placeholder ?? spec.pattern.source}`);
  return raw;
}

/** The value of one option: converted, defaulted, or a usage error when required and missing. */
function valueOf(name: string, spec: OptionSpec, raw: unknown): unknown {
  if (raw === undefined) {
    if (spec.required) throw new UsageError(`--${name} is required`);
    if (spec.default === undefined) return spec.multiple ? [] : undefined;
    return typeof spec.default === "string" ? convert(name, spec, spec.default) : spec.default;
  }
  if (spec.type === "boolean") return raw;
  if (Array.isArray(raw)) return raw.map((r: string) => convert(name, spec, r));
  return convert(name, spec, raw as string);
}

export interface Parsed<T extends OptionTable> {
  help: boolean;
  values: OptionValues<T>;
  positionals: string[];
}

/**
 * Parses argv against a table. With --help nothing else is checked (help always works); otherwise
 * every value is checked now, before the command starts any long work.
 */
export function parseOptions<T extends OptionTable>(table: T, argv: string[], positionals = true): Parsed<T> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: parseArgsConfig(table),
      allowPositionals: positionals,
      strict: true,
    });
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
  const raw = parsed.values as Record<string, unknown>;
  if (raw.help) return { help: true, values: {} as OptionValues<T>, positionals: parsed.positionals };
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(table)) values[name] = valueOf(name, spec, raw[name]);
  return { help: false, values: values as OptionValues<T>, positionals: parsed.positionals };
}

/** How one option reads in help: `--out FILE`, `-h, --help`. */
function optionLabel(name: string, spec: OptionSpec): string {
  const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}`;
  if (spec.type === "boolean") return flag;
  const value =
    spec.placeholder ?? (spec.choices ? spec.choices.join("|") : spec.type === "string" ? "VALUE" : "N");
  return `${flag} ${value}${spec.multiple ? "..." : ""}`;
}

/** The description column: the text, then the default or "required". */
function optionText(spec: OptionSpec): string {
  if (spec.required) return `${spec.description} (required)`;
  if (spec.default === undefined || spec.default === false) return spec.description;
  return `${spec.description} (default: ${String(spec.default)})`;
}

/** The option lines of a table, aligned in two columns. */
export function optionLines(table: OptionTable): string[] {
  const rows = Object.entries({ ...table, help: HELP_OPTION }).map(([n, s]) => [
    optionLabel(n, s),
    optionText(s),
  ]);
  const width = Math.max(...rows.map(([label]) => label!.length));
  return rows.map(([label, text]) => `  ${label!.padEnd(width)}  ${text}`);
}

/** The full `--help` text of a command (its subcommands listed, when it has them). */
export function helpText(spec: CommandSpec, shared: OptionTable = {}): string {
  const subs = spec.subcommands ? Object.entries(spec.subcommands) : [];
  const args = spec.args ?? (subs.length ? `<${subs.map(([n]) => n).join("|")}>` : "");
  const lines = [`usage: velodrome ${spec.name}${args ? ` ${args}` : ""} [options]`, "", spec.summary];
  if (spec.description) lines.push("", spec.description);
  if (subs.length) {
    const width = Math.max(...subs.map(([n]) => n.length));
    lines.push("", "subcommands:", ...subs.map(([n, s]) => `  ${n.padEnd(width)}  ${s.summary}`));
    lines.push("", `Run \`velodrome ${spec.name} <subcommand> --help\` for its options.`);
  }
  lines.push("", "options:", ...optionLines({ ...shared, ...spec.options }));
  return lines.join("\n");
}

/** `--runners N`, shared by bench and evaluate: local worker processes a look's blocks go to. */
export const RUNNERS_OPTION = {
  type: "integer",
  min: 1,
  max: 16,
  default: 1,
  description: "worker processes of this host a look's blocks are shared out over (each block stays in one)",
} as const satisfies OptionSpec;
