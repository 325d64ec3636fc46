import { describe, expect, it } from "vitest";
import { UsageError } from "../../runner/core/errors.ts";
import {
  helpText,
  optionLines,
  parseArgsConfig,
  parseOptions,
  type CommandSpec,
} from "../../runner/cli/options.ts";
import { expectGolden } from "../golden.ts";

const TABLE = {
  out: { type: "string", placeholder: "FILE", description: "where the result goes" },
  blocks: { type: "integer", min: 2, max: 32, description: "fixed block count" },
  alpha: { type: "number", min: 0, max: 0.5, default: 0.05, description: "significance level" },
  engine: { type: "string", choices: ["embedded", "vllm"], default: "embedded", description: "engine kind" },
  sha: { type: "string", pattern: /^[0-9a-f]{40}$/, placeholder: "SHA", description: "a commit" },
  parent: { type: "string", multiple: true, placeholder: "SLUG", description: "a parent" },
  json: { type: "boolean", short: "j", description: "print JSON" },
  "run-id": { type: "string", required: true, description: "the run" },
} as const;

const SPEC: CommandSpec = {
  name: "example",
  args: "<slug>",
  summary: "An example command.",
  description: "Used only by this test.",
  options: TABLE,
};

const parse = (argv: string[]) => parseOptions(TABLE, ["--run-id", "r1", ...argv]);

describe("the options table generates the parseArgs config", () => {
  it("numbers travel as strings, booleans as booleans; short and multiple are kept; --help is added", () => {
    const config = parseArgsConfig(TABLE);
    expect(config.blocks).toEqual({ type: "string" });
    expect(config.json).toEqual({ type: "boolean", short: "j" });
    expect(config.parent).toEqual({ type: "string", multiple: true });
    expect(config.help).toEqual({ type: "boolean", short: "h" });
  });
});

describe("parsing checks every value before a command starts", () => {
  it("converts numbers, applies defaults, collects repeated options", () => {
    const { values, positionals } = parse(["q8", "--blocks", "4", "--parent", "a", "--parent", "b", "-j"]);
    expect(values).toMatchObject({
      blocks: 4,
      alpha: 0.05,
      engine: "embedded",
      parent: ["a", "b"],
      json: true,
    });
    expect(values.out).toBeUndefined();
    expect(positionals).toEqual(["q8"]);
  });

  it.each([
    [["--blocks", "abc"], /--blocks must be an integer, got `abc`/],
    [["--blocks", "2.5"], /--blocks must be an integer/],
    [["--blocks", "64"], /--blocks must be from 2 to 32, got `64`/],
    [["--alpha", "x"], /--alpha must be a number/],
    [["--engine", "tgi"], /--engine must be one of embedded, vllm, got `tgi`/],
    [["--sha", "abc"], /--sha must be of the form SHA/],
    [["--nope"], /Unknown option '--nope'/],
  ])("%j is a usage error naming the option", (argv, message) => {
    expect(() => parse(argv)).toThrow(UsageError);
    expect(() => parse(argv)).toThrow(message);
  });

  it("a required option that is missing is a usage error", () => {
    expect(() => parseOptions(TABLE, [])).toThrow(/--run-id is required/);
  });

  it("--help skips every check (help always works)", () => {
    const r = parseOptions(TABLE, ["--help", "--blocks", "abc"]);
    expect(r.help).toBe(true);
  });
});

describe("help is generated from the same table", () => {
  it("every option appears once with its value name, description and default", () => {
    const lines = optionLines(TABLE);
    expect(lines).toHaveLength(Object.keys(TABLE).length + 1); // + --help
    expect(lines.find((l) => l.includes("--alpha"))).toMatch(
      /--alpha N\s+significance level \(default: 0\.05\)/,
    );
    expect(lines.find((l) => l.includes("--engine"))).toMatch(/--engine embedded\|vllm/);
    expect(lines.find((l) => l.includes("--run-id"))).toMatch(/\(required\)$/);
    expect(lines.find((l) => l.includes("--json"))).toMatch(/^ {2}-j, --json/);
  });

  it("the whole help text", async () => {
    await expectGolden("cli/example-help.txt", helpText(SPEC) + "\n");
  });

  it("a command with subcommands lists them", () => {
    const parent: CommandSpec = {
      name: "tool",
      summary: "A tool.",
      options: {},
      subcommands: { run: { ...SPEC, name: "tool run", summary: "run it" } },
    };
    const text = helpText(parent);
    expect(text).toMatch(/^usage: velodrome tool <run> \[options\]/);
    expect(text).toMatch(/subcommands:\n {2}run {2}run it/);
  });
});
