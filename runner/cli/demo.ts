import { join, resolve } from "node:path";
import { SANDBOX_MODES, type SandboxMode } from "../adapters/runner-ports.ts";
import { runDemo, type DemoServices } from "../demo/demo.ts";
import { serveDir } from "../demo/serve.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";
import { buildSite } from "./site-build.ts";
import { validateCommand } from "./validate.ts";

const OPTIONS = {
  dir: {
    type: "string",
    placeholder: "DIR",
    default: ".velodrome/demo",
    description: "workspace (recreated)",
  },
  out: { type: "string", placeholder: "DIR", description: "where the site goes (default: DIR/site)" },
  "no-serve": { type: "boolean", description: "exit after the build" },
  port: {
    type: "integer",
    min: 0,
    max: 65535,
    default: 4321,
    description: "port for the site (0 picks a free one)",
  },
  sandbox: { type: "string", choices: SANDBOX_MODES, default: "auto", description: "engine confinement" },
} as const;

export const DEMO: CommandSpec = {
  name: "demo",
  summary: "Play a complete local challenge on the embedded engine, then serve its site.",
  description:
    "A baseline, a quantized variant, a speculative-decoding variant, one combining both (a pooled run),\n" +
    "a lossy one caught by the greedy check, one ruled invalid by an organizer, board threads and a\n" +
    "knowledge-base note — through the bot's real code paths against a local GitHub stand-in and a bare\n" +
    "git remote. Then it builds the site and serves it on localhost.",
  options: OPTIONS,
};

/** The validation and site-build use cases, wired as this command line runs them. */
const services: DemoServices = {
  async validatePr(checkout) {
    let report = "";
    const io: Io = { cwd: checkout, out: (t) => (report += t), err: () => undefined, isTTY: false, env: {} };
    await validateCommand(["--base", "origin/main", "--json"], io);
    return report;
  },
  buildSite: (repo, out, log) => buildSite(repo, out, { log }),
};

const PAGES = [
  ["index.html", "the leader, the frontier over time, recent verdicts"],
  ["leaderboard.html", "ranks with ties and confidence intervals (sortable)"],
  ["lineage.html", "who built on whom: parents, git ancestry, shared code, pooled runs"],
  ["board.html", "threads, the ruling, the knowledge base, dead ends"],
  ["api/digest.json", "what an agent reads to catch up"],
];

/** `velodrome demo`: options are checked first (a bad --port fails now, not after the run). */
export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(DEMO)), 0);
  const dir = resolve(io.cwd, values.dir);
  const out = resolve(io.cwd, values.out ?? join(dir, "site"));
  io.err(`velodrome demo: workspace ${dir} (your checkout is not touched)`);
  const log = (s: string) => io.err(s);
  const result = await runDemo({ dir, out, log, sandbox: values.sandbox as SandboxMode, services });
  io.out(`site: ${result.out}`);
  if (values["no-serve"]) return 0;
  const { url } = await serveDir(out, values.port);
  const width = Math.max(...PAGES.map(([p]) => url.length + p!.length));
  const lines = PAGES.map(([p, what]) => `  ${(url + p).padEnd(width)}  ${what}`);
  io.out(
    [`\nServing the challenge site at ${url}`, "Look at:", ...lines, "Press Ctrl-C to stop."].join("\n"),
  );
  await new Promise(() => undefined);
  return 0;
}
