import { describe, expect, it } from "vitest";
import {
  DeadlinePassed,
  EarlyStop,
  EngineFailure,
  EngineRequestFailed,
  EngineStartFailed,
  errorCode,
  errorJson,
  formatError,
  NotFound,
  reviveError,
  ShaMoved,
  UsageError,
  ValidationFailed,
} from "../../runner/core/errors.ts";
import { EXIT_CODES, exitCodeFor, reportError, wantsJson } from "../../runner/cli/main.ts";
import type { Io } from "../../runner/cli/io.ts";

function captureIo() {
  const io = { out: "", err: "" };
  const handle: Io = {
    cwd: "/",
    out: (t) => (io.out += t + "\n"),
    err: (t) => (io.err += t + "\n"),
    isTTY: false,
    env: {},
  };
  return { io, handle };
}

describe("one exit-code mapping", () => {
  it.each([
    [new UsageError("x"), 2],
    [new ValidationFailed("x"), 1],
    [new NotFound("x"), 1],
    [new EngineFailure("x"), 3],
    // One engine error family: the client's and the launcher's failures are engine failures, not bugs.
    [new EngineRequestFailed("engine answered HTTP 500", "http"), 3],
    [new EngineStartFailed("engine never became healthy"), 3],
    [new EarlyStop("ended a turn early"), 3],
    [new ShaMoved("x"), 4],
    [new DeadlinePassed("x"), 5],
    [new Error("a bug"), 70],
    ["a string thrown", 70],
  ])("%s exits %i", (e, code) => {
    expect(exitCodeFor(e)).toBe(code);
  });

  it("every error code has an exit code, and only usage errors exit 2", () => {
    for (const [code, exit] of Object.entries(EXIT_CODES)) expect(exit === 2).toBe(code === "usage");
  });

  it("node:util parseArgs errors count as usage errors", () => {
    const e = Object.assign(new TypeError("Unknown option '--x'"), { code: "ERR_PARSE_ARGS_UNKNOWN_OPTION" });
    expect(errorCode(e)).toBe("usage");
  });
});

describe("one formatter", () => {
  it("names the command and keeps the causes", () => {
    const root = new Error("ENOENT: no such file");
    const e = new ValidationFailed("prompts.jsonl is invalid", { cause: root });
    expect(formatError(e, "velodrome bench")).toBe(
      "velodrome bench: prompts.jsonl is invalid\n  caused by: ENOENT: no such file",
    );
    expect(e.name).toBe("ValidationFailed");
  });

  it("an internal error says so and keeps its stack", () => {
    const text = formatError(new Error("boom"));
    expect(text).toMatch(/^velodrome: internal error: boom\n/);
    expect(text).toMatch(/at /);
  });

  it("the JSON form carries code, message and causes", () => {
    const e = new NotFound("no submission `x`", { cause: new Error("missing file") });
    expect(errorJson(e)).toEqual({
      ok: false,
      error: { code: "not-found", message: "no submission `x`", causes: ["missing file"] },
    });
  });
});

describe("errors go where the caller asked", () => {
  it("--json: JSON on stdout, nothing on stderr", () => {
    const { io, handle } = captureIo();
    const exit = reportError(new UsageError("bad --looks"), "compare", ["f.jsonl", "--json"], handle);
    expect(exit).toBe(2);
    expect(JSON.parse(io.out)).toMatchObject({ ok: false, error: { code: "usage", message: "bad --looks" } });
    expect(io.err).toBe("");
  });

  it("otherwise text on stderr, nothing on stdout", () => {
    const { io, handle } = captureIo();
    reportError(new NotFound("no such file"), "compare", ["f.jsonl"], handle);
    expect(io.out).toBe("");
    expect(io.err).toBe("velodrome compare: no such file\n");
  });

  it("--json after `--` is an argument, not the option", () => {
    expect(wantsJson(["--", "--json"])).toBe(false);
    expect(wantsJson(["a", "--json", "--"])).toBe(true);
  });
});

describe("errors back from a worker thread", () => {
  it("a named error keeps its class (and exit code) after a worker's error event", () => {
    // What Node delivers for `throw new NotFound(…)` in a worker: a plain Error with the own
    // properties (name, code, cause) copied over.
    const cloned = Object.assign(new Error("no such submission", { cause: new Error("git said no") }), {
      name: "NotFound",
      code: "not-found",
    });
    expect(cloned).not.toBeInstanceOf(NotFound);
    expect(exitCodeFor(cloned)).toBe(70);
    const revived = reviveError(cloned);
    expect(revived).toBeInstanceOf(NotFound);
    expect(exitCodeFor(revived)).toBe(1);
    expect((revived as Error).message).toBe("no such submission");
    expect(((revived as Error).cause as Error).message).toBe("git said no");
  });

  it("anything else comes back as it was", () => {
    const plain = structuredClone(new Error("ENOENT"));
    expect(reviveError(plain)).toBe(plain);
    const fake = Object.assign(new Error("x"), { name: "constructor" });
    expect(reviveError(fake)).toBe(fake);
    expect(reviveError("a string")).toBe("a string");
  });
});
