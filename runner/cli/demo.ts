import { join, resolve } from "node:path";
import { SANDBOX_MODES, type SandboxMode } from "../adapters/runner-ports.ts";
import { runDemo, type DemoServices } from "../demo/demo.ts";
import { serveDir } from "../demo/serve.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";
import { buildSite } from "./site-build.ts";
import { loadSiteInput } from "../adapters/site-source.ts";
import { stateOfPlay, stateOfPlayText } from "../core/digest.ts";
import { buildModel } from "../core/site/model.ts";
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

/**
 * How the story ended, from the repository the demo made (the same code as the site and `digest`):
 * who leads and by how much over the runner-up, and every result caught, with why.
 */
async function closingSummary(repo: string): Promise<string> {
  const input = await loadSiteInput(repo);
  const m = buildModel(input);
  const state = stateOfPlay(input, m, undefined, new Date(m.updatedAt));
  const caught = [
    ...m.runs
      .filter((r) => r.status === "invalid")
      .map(
        (r) =>
          `${r.candidate.slug}: run ${r.status}, ${r.reason ?? r.quality.candidate?.reasons.join("; ") ?? ""}`,
      ),
    ...m.unconfirmed.map((u) => `${u.slug}: unconfirmed, ${u.check}`),
    ...m.retired.map((r) => `${r.slug}: ${r.status}, ${r.reason}`),
    ...m.rulings.filter((r) => r.decision === "invalid").map((r) => `${r.slug}: ruled invalid, ${r.reason}`),
  ];
  return [
    "\nHow the story ended",
    stateOfPlayText(state).trimEnd(),
    `caught: ${caught.length ? "\n  " + caught.join("\n  ") : "nothing"}`,
    "",
  ].join("\n");
}

/** `velodrome demo`: options are checked first (a bad --port fails now, not after the run). */
export async function demoCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(DEMO)), 0);
  const dir = resolve(io.cwd, values.dir);
  const out = resolve(io.cwd, values.out ?? join(dir, "site"));
  io.err(`velodrome demo: workspace ${dir} (your checkout is not touched)`);
  const log = (s: string) => io.err(s);
  const result = await runDemo({ dir, out, log, sandbox: values.sandbox as SandboxMode, services });
  io.out(await closingSummary(join(dir, "repo")));
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
