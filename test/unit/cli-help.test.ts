import { describe, expect, it } from "vitest";
import { main } from "../../runner/cli/main.ts";

/** Runs the CLI in-process with captured output (no engines, no git: every case stops at options). */
async function cli(args: string[]) {
  let out = "";
  let err = "";
  const code = await main(args, {
    cwd: "/nonexistent-velodrome-test-dir",
    out: (t) => (out += t + "\n"),
    err: (t) => (err += t + "\n"),
    isTTY: false,
    env: {},
  });
  return { code, out, err };
}

const COMMANDS = [
  "validate",
  "new",
  "compare",
  "bench",
  "evaluate",
  "gh",
  "site",
  "demo",
  "synth",
  "schemas",
  "plan",
  "audit",
  "status",
  "prompts",
];
const SUBCOMMANDS = [
  ["gh", "comment"],
  ["gh", "publish"],
  ["gh", "board"],
  ["gh", "validate-comment"],
  ["site", "build"],
  ["prompts", "tokenize"],
  ["prompts", "reference"],
];

describe("every command and subcommand answers --help", () => {
  const cases = [...COMMANDS.map((c) => [c]), ...SUBCOMMANDS].map((argv) => ({ cmd: argv.join(" ") }));
  it.each(cases)("velodrome $cmd --help", async ({ cmd }) => {
    const argv = cmd.split(" ");
    const r = await cli([...argv, "--help"]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: velodrome ${argv.join(" ")}`));
    expect(r.out).toMatch(/-h, --help +show this help/);
  });

  it("a subcommand's help lists only its own options (plus the shared ones)", async () => {
    const r = await cli(["gh", "publish", "--help"]);
    expect(r.out).toMatch(/--run-id ID/);
    expect(r.out).not.toMatch(/--report/);
  });
});

describe("options are checked before any long work starts", () => {
  it.each([
    [["demo", "--port", "abc"], /--port must be an integer, got `abc`/],
    [["demo", "--sandbox", "docker"], /--sandbox must be one of auto, bwrap, oci, none/],
    [["bench", "q8", "--blocks", "1"], /--blocks must be from 2 to 32/],
    [["evaluate", "--run-id", "r", "--pr", "x"], /--pr must be an integer/],
    [["synth", "--out", "x", "--runs=-1"], /--runs must be from 0/],
    [["gh", "nope"], /unknown gh subcommand `nope`/],
  ])("%j exits 2 at once", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

describe("--json always prints JSON on stdout, errors included", () => {
  it("compare --json on a missing file", async () => {
    const r = await cli(["compare", "missing.jsonl", "--candidate", "A", "--incumbent", "B", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, error: { code: "not-found" } });
    expect(r.err).toBe("");
  });

  it("compare --json with a bad option", async () => {
    const r = await cli([
      "compare",
      "x.jsonl",
      "--candidate",
      "A",
      "--incumbent",
      "B",
      "--alpha",
      "2",
      "--json",
    ]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error.message).toMatch(/--alpha/);
  });
});
