import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { loadSiteInput } from "../adapters/site-source.ts";
import { fsEffects, writeSite } from "../adapters/site-writer.ts";
import { threadPagesInWorker } from "../adapters/thread-pages.ts";
import { resultOf, tsWorker } from "../adapters/worker.ts";
import { buildModel } from "../core/site/model.ts";
import { linkBasis, renderSite } from "../core/site/render.ts";
import type { Io } from "./io.ts";
import { UsageError } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  repo: { type: "string", default: ".", placeholder: "DIR", description: "the challenge repository" },
  out: { type: "string", placeholder: "DIR", description: "where the site goes (default: REPO/site/dist)" },
  "data-ref": {
    type: "string",
    placeholder: "REF",
    description: "the data branch (default: the challenge's)",
  },
} as const;

const BUILD: CommandSpec = {
  name: "site build",
  summary: "Build the static site from the repository's git history and data branch.",
  description: "Same input, same bytes; files whose content did not change are not rewritten.",
  options: OPTIONS,
};

export const SITE: CommandSpec = {
  name: "site",
  summary: "The challenge's static site.",
  options: {},
  subcommands: { build: BUILD },
};

export const ASSET_DIR = resolve(import.meta.dirname, "../../site/assets");

export function siteAssets(): { from: string; to: string }[] {
  // d3's package exports hide dist/; resolve the package root and take its prebuilt UMD bundle.
  const require = createRequire(import.meta.url);
  const entry = require.resolve("d3"); // …/node_modules/d3/src/index.js
  const d3 = join(dirname(entry), "..", "dist/d3.min.js");
  return [
    { from: d3, to: "assets/d3.min.js" },
    ...["site.css", "sort.js", "time.js", "lineage.js", "frontier.js", "favicon.svg"].map((f) => ({
      from: join(ASSET_DIR, f),
      to: `assets/${f}`,
    })),
  ];
}

export async function buildSite(
  repo: string,
  out: string,
  o: { dataRef?: string; log?: (s: string) => void; collectGarbage?: () => void } = {},
) {
  const t0 = performance.now();
  const logRaw = o.log ?? (() => undefined);
  // Each progress line says when (seconds since start) and how much memory the build holds (RSS).
  const log = (s: string) =>
    logRaw(
      `${s} [${((performance.now() - t0) / 1000).toFixed(1)} s, ` +
        `${Math.round(process.memoryUsage.rss() / 2 ** 20)} MB]`,
    );
  const input = await loadSiteInput(repo, {
    ...(o.dataRef ? { dataRef: o.dataRef } : {}),
    onProgress: (s) => log(`site: ${s}`),
  });
  const model = buildModel(input);
  log(
    `site: model built (${model.submissions.size} submissions, ${model.lineage.edges.length} lineage edges)`,
  );
  // Loading leaves hundreds of MB of garbage that V8 would otherwise keep until well into
  // rendering, on top of the pages' own: collected here, the peak is about 250 MB lower.
  o.collectGarbage?.();
  // Thread pages (most of the markdown) are rendered by a second thread while this one does the rest.
  const threads = threadPagesInWorker(linkBasis(model), out, model.threads);
  const res = await writeSite(
    renderSite(model, { threadPages: "elsewhere" }),
    siteAssets(),
    fsEffects(out),
    (n) => log(`site: ${n} files rendered`),
    threads,
  );
  log(
    `site: wrote ${res.written} of ${res.files} files (${res.unchanged} unchanged), ` +
      `${(res.bytes / 1e6).toFixed(1)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${out}`,
  );
  return { ...res, model };
}

export async function siteCommand(argv: string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== "build") {
    if (sub === "--help" || sub === "-h") return (io.out(helpText(SITE)), 0);
    throw new UsageError(sub ? `unknown site subcommand \`${sub}\`\n\n${helpText(SITE)}` : helpText(SITE));
  }
  const { help, values } = parseOptions(OPTIONS, rest, false);
  if (help) return (io.out(helpText(BUILD)), 0);
  const repo = resolve(io.cwd, values.repo);
  const out = resolve(io.cwd, values.out ?? join(repo, "site/dist"));
  const dataRef = values["data-ref"];
  await buildSiteInWorker({ repo, out, ...(dataRef ? { dataRef } : {}) }, io);
  io.out(out);
  return 0;
}

export interface SiteBuildJob {
  repo: string;
  out: string;
  dataRef?: string;
}

/**
 * `site build` runs the build in a worker thread, for two things a running thread cannot do for
 * itself: a larger young generation (the build allocates gigabytes of short-lived strings over a
 * heap of about a gigabyte; with V8's default 16 MB semi-spaces, one A/B pair at 10,000 submissions
 * took 89 s of CPU against 80 s with 32 MB ones), and an explicit garbage collection between
 * loading and rendering (see buildSite). Progress lines go to stderr as before.
 */
const YOUNG_GENERATION_MB = 96;

async function buildSiteInWorker(job: SiteBuildJob, io: Io): Promise<void> {
  // V8 flags are process-wide and read when an isolate starts: with this one the worker's global
  // scope has \`gc\`, which the build calls once, between loading and rendering (see buildSite).
  setFlagsFromString("--expose-gc");
  const w = tsWorker(new URL("./site-worker.ts", import.meta.url), job, {
    maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
  });
  w.on("message", (m: { log?: string }) => m.log !== undefined && io.err(m.log));
  await resultOf(w, "site build");
}
