import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleGit } from "simple-git";
import type { Browser } from "playwright-core";
import { buildSite } from "../runner/cli/site-build.ts";
import { renderSite } from "../runner/core/site/render.ts";
import { threadPagesInWorker } from "../runner/adapters/thread-pages.ts";
import type { Thread } from "../runner/core/schema/data.ts";
import { renderQueuedComment } from "../runner/core/github/comment-request.ts";
import { renderValidationComment } from "../runner/core/github/comment-validation.ts";
import { renderVerdictComment } from "../runner/core/github/comment-verdict.ts";
import type { RunRecord } from "../runner/core/schema/run-record.ts";
import { serveDir } from "../runner/demo/serve.ts";
import { synthesize } from "../runner/synth/synth.ts";
import { hasChromium, launchChromium } from "./browser.ts";
import { REPO_ROOT, removeDir, runCli, tempDir } from "./helpers.ts";

const FRAME = { challengeTitle: "t", updatedAt: "2026-07-01T00:00:00.000Z" };
let repo: string;
let out: string;
const dirs: string[] = [];
const XSS = {
  version: 1,
  number: 9999,
  title: "XSS <script>window.__xss=1</script>",
  author: "mallory",
  state: "open",
  labels: ["taskforce:security"],
  body: "<script>window.__xss=2</script>\n\n[click](javascript:window.__xss=3) [ok](https://example.org/)\n\n![x](javascript:alert(1)) <img src=x onerror=\"window.__xss=4\">\n\n```js\nconst x = '<b>bold</b>';\n```\n\nsee #1 and @agent-1 and `s1-quantization`",
  createdAt: "2026-07-01T00:00:00.000Z",
  updatedAt: "2026-07-01T00:00:00.000Z",
  isPullRequest: false,
  reactions: 0,
  comments: [
    {
      id: 999999,
      author: "mallory",
      body: '<iframe src="javascript:window.__xss=5"></iframe> [x](JaVaScRiPt:alert(1)) [y](vbscript:x) [z](data:text/html,<script>alert(1)</script>)',
      createdAt: "2026-07-01T01:00:00.000Z",
      updatedAt: "2026-07-01T01:00:00.000Z",
      reactions: 0,
    },
  ],
};

const BOT = "github-actions[bot]";

/** A pull-request thread of bot comments as the bot writes them: markers, hidden JSON, <sub>, long tokens. */
function botThread(run: RunRecord) {
  const sha = "f".repeat(40);
  const at = "2026-07-02T00:00:00.000Z";
  const comment = (id: number, body: string) => ({
    id,
    author: BOT,
    body,
    createdAt: at,
    updatedAt: at,
    reactions: 0,
  });
  const problem = {
    code: "unknown-field",
    severity: "error",
    file: "submissions/" + "very-long-slug-".repeat(8) + "/submission.yaml",
    line: 3,
    col: 1,
    message: "unknown field " + "x".repeat(200),
  };
  const quota = { ok: true, agentUsed: 1, agentLimit: 3, ownerUsed: 1, ownerLimit: 5 };
  return {
    ...XSS,
    number: 9998,
    title: "A pull request with bot comments",
    author: "agent-1",
    isPullRequest: true,
    body: "Long token: " + "0123456789abcdef".repeat(20),
    comments: [
      comment(9998001, renderValidationComment(7, [problem as never], sha)),
      comment(
        9998002,
        renderQueuedComment({
          pr: 7,
          requester: "agent-1",
          author: "agent-1",
          slug: run.candidate.slug,
          against: run.incumbent.slug,
          sha,
          quota,
          runId: run.id,
          pooled: false,
          organizer: false,
        }),
      ),
      comment(
        9998003,
        renderVerdictComment(run, { author: "agent-1", logUrl: "https://example.org/" + "l".repeat(300) }),
      ),
    ],
  };
}

/** A pending /bench request, a /join registration and an organizer broadcast, as the bot records them. */
async function writeBotRecords(wt: string) {
  const at = "2026-12-01T00:00:00.000Z";
  for (const d of ["quota", "registry", "board/broadcasts"]) await mkdir(join(wt, d), { recursive: true });
  const reservation = {
    ...{ version: 1, id: "pending-1", at, requester: { id: 501, login: "agent-1" } },
    ...{ owner: { id: 502, login: "owner-1" }, pr: 77, author: "agent-1", slug: "baseline" },
    ...{ sha: "e".repeat(40), against: "baseline", organizer: false },
  };
  await writeFile(join(wt, "quota/pending-1.json"), JSON.stringify(reservation));
  const joined = {
    version: 1,
    id: 4242,
    login: "joined-agent",
    at: "2026-11-30T00:00:00.000Z",
    commentId: 5,
  };
  await writeFile(join(wt, "registry/4242.json"), JSON.stringify(joined));
  const broadcast = {
    ...{ version: 1, id: "b-1", at: "2026-11-30T12:00:00.000Z", by: { id: 1, login: "org" } },
    ...{ issue: 1, commentId: 6, text: "Runners are back: **queue** is open" },
  };
  await writeFile(join(wt, "board/broadcasts/b-1.json"), JSON.stringify(broadcast));
}

beforeAll(async () => {
  repo = await tempDir("velodrome-site-repo-");
  out = await tempDir("velodrome-site-out-");
  dirs.push(repo, out);
  await synthesize({ out: repo, submissions: 40, runs: 300, threads: 12, comments: 60, seed: 3 });
  // Add a hostile thread to the data branch.
  const wt = join(repo, ".velodrome-wt");
  const git = simpleGit(repo);
  await git.raw(["worktree", "add", "-q", wt, "velodrome-data"]);
  await writeFile(join(wt, "board/threads/9999.json"), JSON.stringify(XSS));
  const aRun = JSON.parse(await readFile(join(wt, "runs/run-1.json"), "utf8")) as RunRecord;
  await writeFile(join(wt, "board/threads/9998.json"), JSON.stringify(botThread(aRun)));
  await mkdir(join(wt, "runs"), { recursive: true });
  await writeFile(join(wt, "runs/broken.json"), '{"version": 1, "id": "broken"}');
  await writeBotRecords(wt);
  await simpleGit(wt)
    .addConfig("user.email", "t@t.t")
    .addConfig("user.name", "t")
    .add(".")
    .commit("hostile thread and a broken record");
  await git.raw(["worktree", "remove", "--force", wt]);
}, 60_000);
afterAll(async () => Promise.all(dirs.map(removeDir)));

describe("site build from a synthetic repository", () => {
  it("builds deterministically and incrementally, with JSON twins", async () => {
    const a = await buildSite(repo, out);
    const other = await tempDir("velodrome-site-out2-");
    dirs.push(other);
    const b = await buildSite(repo, other);
    expect(b.digest).toBe(a.digest); // same input, same bytes
    const again = await buildSite(repo, out);
    expect(again.written).toBe(0); // nothing changed, nothing rewritten
    // The build renders thread pages in a worker thread: every file on disk is byte-identical to the
    // same model rendered in one thread, and nothing else is there.
    const inOne = [...renderSite(a.model)];
    expect(inOne.filter((f) => f.path.startsWith("threads/")).length).toBeGreaterThan(10);
    expect(a.files).toBe(inOne.length);
    for (const f of inOne) expect(await readFile(join(out, f.path), "utf8"), f.path).toBe(f.content);
    const lb = JSON.parse(await readFile(join(out, "api/leaderboard.json"), "utf8"));
    expect(lb.version).toBe(1);
    expect(lb.rows.length).toBeGreaterThan(5);
    expect(lb.rows[0].rank).toBe(1);
    for (const r of lb.rows) expect(r.ci[0]).toBeLessThanOrEqual(r.estimate);
    const ranks = lb.rows.map((r: { rank: number }) => r.rank);
    expect([...ranks].sort((x: number, y: number) => x - y)).toEqual(ranks);
    const lineage = JSON.parse(await readFile(join(out, "api/lineage.json"), "utf8"));
    expect(lineage.nodes).toHaveLength(40);
    expect(new Set(lineage.edges.map((e: { kind: string }) => e.kind))).toEqual(
      new Set(["parent", "shared-code", "pooled"]),
    );
    const digest = JSON.parse(await readFile(join(out, "api/digest.json"), "utf8"));
    expect(digest).toMatchObject({
      leader: { slug: expect.any(String) },
      recentVerdicts: expect.any(Array),
      newThreads: expect.any(Array),
      taskforces: expect.any(Object),
    });
    const p1 = JSON.parse(await readFile(join(out, "api/participants/agent-1.json"), "utf8"));
    expect(p1.inbox.length).toBeGreaterThan(0); // @-mentions collected
    const feed = await readFile(join(out, "feed.xml"), "utf8");
    expect(feed).toMatch(/^<\?xml[\s\S]*<feed xmlns="http:\/\/www.w3.org\/2005\/Atom">[\s\S]*<entry>/);
    // The onboarding for agents: the repository's AGENTS.md (or Velodrome's own), rendered and as plain text.
    const agents = await readFile(join(out, "AGENTS.md"), "utf8");
    expect(agents).toMatch(/^# Taking part as an agent/);
    expect(await readFile(join(out, "agents.html"), "utf8")).toContain("<h1>Taking part as an agent</h1>");
    // The broken record is reported, not silently dropped.
    expect(await readFile(join(out, "index.html"), "utf8")).toMatch(/runs\/broken\.json/);
  });

  it("fails with the file-system error when the thread pages' worker cannot write", async () => {
    const blocked = await tempDir("velodrome-site-blocked-");
    dirs.push(blocked);
    await writeFile(join(blocked, "threads"), "a file where the threads folder goes\n");
    await expect(buildSite(repo, blocked)).rejects.toThrow(/threads/);
  });

  it("a thread the worker cannot be sent ends the worker and fails, instead of waiting forever", async () => {
    const blocked = await tempDir("velodrome-site-clone-");
    dirs.push(blocked);
    const thread = { ...XSS, comments: [{ ...XSS.comments[0]!, toJSON: () => "not cloneable" }] };
    const pages = threadPagesInWorker({ frame: FRAME, threadNumbers: [9999], slugs: [] }, blocked, [
      thread as unknown as Thread,
    ]);
    await expect(pages.done).rejects.toThrow(/could not be cloned/);
    await pages.stop(); // already ended: a no-op
  });

  it("`site build` names a missing --repo folder instead of blaming git", async () => {
    const missing = join(out, "no-such-repo");
    const r = await runCli(["site", "build", "--repo", missing], REPO_ROOT);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--repo ${missing}: no such directory`);
    expect(r.err).not.toMatch(/ENOENT/);
  });

  it("renders hostile markdown inert", async () => {
    const html = await readFile(join(out, "threads/9999.html"), "utf8");
    expect(html).not.toMatch(/<script>window\.__xss/);
    expect(html).toMatch(/&lt;script&gt;window\.__xss=1/); // shown as text in the title
    expect(html).not.toMatch(/<img|<iframe|onerror="/i);
    expect(html).not.toMatch(/href="(javascript|vbscript|data):/i);
    expect(html).toMatch(/href="https:\/\/example.org\/" rel="nofollow noopener"/);
    expect(html).toMatch(/<a href="\.\.\/threads\/1\.html" class="ref-thread">#1<\/a>/);
    expect(html).toMatch(/class="ref-user">@agent-1<\/a>/);
    expect(html).toMatch(/<pre class="hljs"><code>.*hljs-keyword/s);
  });

  it("`digest --site URL` and `--from DIR` read the published site and say what `digest` says from the clone", async () => {
    await buildSite(repo, out);
    const fromRepo = await runCli(["digest", "--repo", repo, "--json"], REPO_ROOT);
    expect(fromRepo.code, fromRepo.err).toBe(0);
    const fromDir = await runCli(["digest", "--from", out, "--json"], REPO_ROOT);
    expect(fromDir.code, fromDir.err).toBe(0);
    expect(JSON.parse(fromDir.out)).toEqual(JSON.parse(fromRepo.out));
    const { url, server } = await serveDir(out, 0);
    try {
      // As GitHub Pages serves it: the address without its trailing slash is the same site.
      const fromSite = await runCli(
        ["digest", "--site", url.replace(/\/$/, ""), "--login", "agent-1"],
        REPO_ROOT,
      );
      expect(fromSite.code, fromSite.err).toBe(0);
      const leader = (JSON.parse(fromRepo.out) as { leader: { slug: string } }).leader.slug;
      expect(fromSite.out).toContain(`leader: ${leader} at `);
      expect(fromSite.out).toMatch(/quota: @agent-1 \d+\/\d+ in \d+ h as of /);
      const missing = await runCli(["digest", "--site", url, "--login", "no-one"], REPO_ROOT);
      expect(missing.code).not.toBe(0);
      expect(missing.err).toContain(`${url}api/participants/no-one/digest.json: HTTP 404`);
    } finally {
      server.close();
    }
    const bad = await runCli(["digest", "--site", "file:///etc/passwd"], REPO_ROOT);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--site: file: is not http(s)");
  });
});

describe.skipIf(!hasChromium)("site in a real browser (Debian chromium)", () => {
  let browser: Browser;
  let url: string;
  let close: () => void;
  beforeAll(async () => {
    browser = await launchChromium();
    const s = await serveDir(out, 0);
    url = s.url;
    close = () => s.server.close();
  });
  afterAll(async () => {
    await browser?.close();
    close?.();
  });

  it("every kind of page loads without console errors", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`${page.url()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`${page.url()}: ${e.message}`));
    for (const p of [
      "index.html",
      "leaderboard.html",
      "leaderboard-strict.html",
      "lineage.html",
      "board.html",
      "threads/1.html",
      "submissions/baseline.html",
      `submissions/${(JSON.parse(await readFile(join(out, "api/submissions.json"), "utf8")) as { submissions: { slug: string }[] }).submissions.find((x) => x.slug.startsWith("s1-"))!.slug}.html`,
      "participants/agent-1.html",
      "rules.html",
      "agents.html",
      "rulings.html",
      "kb/index.html",
      "runners.html",
      "queue.html",
      "participants.html",
      "api/index.html",
    ]) {
      const r = await page.goto(url + p);
      expect(r?.status(), p).toBe(200);
      await page.waitForLoadState("networkidle");
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the lineage graph renders, filters by author and navigates on click", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(url + "lineage.html");
    await page.waitForSelector("#lineage[data-ready]");
    expect(await page.locator("#lineage circle.node").count()).toBe(40);
    expect(await page.locator("#lineage path.edge").count()).toBeGreaterThan(39);
    await page.selectOption("#author-filter", "agent-1");
    expect(await page.locator("#lineage a.dim").count()).toBeGreaterThan(0);
    await page.selectOption("#author-filter", "");
    await mkdir(join(REPO_ROOT, ".velodrome/screenshots"), { recursive: true });
    await page.screenshot({ path: join(REPO_ROOT, ".velodrome/screenshots/lineage.png") });
    // First click focuses (see the focus test), the second opens the page.
    await page.locator('#lineage circle[data-id="baseline"]').click();
    await page.locator('#lineage circle[data-id="baseline"]').click();
    await page.waitForURL(/submissions\/baseline\.html$/);
    expect(await page.locator("h1").textContent()).toMatch(/^baseline/);
    await page.close();
  });

  it("the lineage explains itself: dated axis, lane labels, labels clear of each other and the frame", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(url + "lineage.html");
    await page.waitForSelector("#lineage[data-ready]");
    const ticks = await page.locator("#lineage .axis-time .tick text").allTextContents();
    expect(ticks.length).toBeGreaterThan(1);
    for (const t of ticks) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await page.locator("#lineage .axis-title").textContent()).toMatch(/time/);
    const authors = new Set(
      (
        JSON.parse(await readFile(join(out, "api/lineage.json"), "utf8")) as { nodes: { author: string }[] }
      ).nodes.map((n) => n.author),
    );
    expect(await page.locator("#lineage .lane-label").count()).toBe(authors.size);
    expect(await page.locator("#lineage .node-label").count()).toBeGreaterThan(5);
    expect(await page.locator("#lineage .frontier-label").count()).toBe(1);
    expect(await page.locator(".legend").textContent()).toMatch(
      /Node size[\s\S]*Node colour|Node colour[\s\S]*Node size/,
    );
    const boxes = await page.evaluate(() => {
      const svg = document.querySelector("#lineage svg")!.getBoundingClientRect();
      const labels = Array.from(
        document.querySelectorAll("#lineage text.label, #lineage .axis-time text"),
      ).map((t) => {
        const b = t.getBoundingClientRect();
        return {
          text: t.textContent,
          x: b.x,
          y: b.y,
          w: b.width,
          h: b.height,
          cls: t.getAttribute("class") ?? "",
        };
      });
      return { svg: { x: svg.x, y: svg.y, w: svg.width, h: svg.height }, labels };
    });
    const { svg } = boxes;
    for (const l of boxes.labels) {
      expect(l.x, `${l.text} left`).toBeGreaterThanOrEqual(svg.x - 0.5);
      expect(l.y, `${l.text} top`).toBeGreaterThanOrEqual(svg.y - 0.5);
      expect(l.x + l.w, `${l.text} right`).toBeLessThanOrEqual(svg.x + svg.w + 0.5);
      expect(l.y + l.h, `${l.text} bottom`).toBeLessThanOrEqual(svg.y + svg.h + 0.5);
    }
    const named = boxes.labels.filter((l) => l.cls.includes("label"));
    for (let i = 0; i < named.length; i++)
      for (let j = i + 1; j < named.length; j++) {
        const a = named[i]!;
        const b = named[j]!;
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
        expect(overlap, `${a.text} overlaps ${b.text}`).toBe(false);
      }
    await page.close();
  });

  it("lineage focus mode: a click highlights a node's ancestors and dims unrelated nodes", async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    await page.goto(url + "lineage.html");
    await page.waitForSelector("#lineage[data-ready]");
    const lineage = JSON.parse(await readFile(join(out, "api/lineage.json"), "utf8")) as {
      edges: { source: string; target: string; kind: string }[];
    };
    const child = lineage.edges.find((e) => e.kind === "parent")!;
    await page.locator(`#lineage circle[data-id="${child.target}"]`).click();
    const cls = (id: string) =>
      page
        .locator(`#lineage circle[data-id="${id}"]`)
        .evaluate((c) => c.parentElement!.getAttribute("class") ?? "");
    expect(await cls(child.target)).toMatch(/focused/);
    expect(await cls(child.source)).toMatch(/ancestor/);
    expect(await page.locator("#lineage a.dim").count()).toBeGreaterThan(0);
    expect(page.url()).toMatch(/lineage\.html$/); // the first click focuses, it does not navigate
    await page.keyboard.press("Escape");
    expect(await page.locator("#lineage a.dim").count()).toBe(0);
    await page.close();
  });

  for (const width of [390, 1280])
    it(`at ${width} px: bot comments read as cards, and no page scrolls sideways`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const subs = JSON.parse(await readFile(join(out, "api/submissions.json"), "utf8")) as {
        submissions: { slug: string }[];
      };
      const readable = [
        "threads/9998.html",
        "threads/9999.html",
        "threads/1.html",
        "participants/agent-1.html",
      ];
      const others = [
        "index.html",
        "leaderboard.html",
        "leaderboard-strict.html",
        "lineage.html",
        "board.html",
        `submissions/${subs.submissions[1]!.slug}.html`,
        "rules.html",
        "agents.html",
        "rulings.html",
        "glossary.html",
        "kb/index.html",
        "runners.html",
        "queue.html",
        "participants.html",
        "api/index.html",
      ];
      for (const p of [...readable, ...others]) {
        await page.goto(url + p);
        await page.waitForLoadState("networkidle");
        const text = await page.evaluate(() => document.body.innerText);
        if (readable.includes(p)) {
          expect(text, p).not.toMatch(/<!--|-->|<\/?sub>|velodrome:json/);
        }
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scroll, `${p} is ${scroll} px wide`).toBeLessThanOrEqual(width);
      }
      await page.goto(url + "threads/9998.html");
      expect(await page.locator(".card-verdict").count()).toBe(1);
      expect(await page.locator(".card-validate").count()).toBe(1);
      expect(await page.locator(".card-queued").count()).toBe(1);
      const time = page.locator("article.post time").first();
      expect(await time.getAttribute("title")).toMatch(/^\d{4}-\d{2}-\d{2}T/);
      expect(await time.textContent()).toMatch(/ago|in |just now/);
      await page.goto(url + "participants/agent-1.html");
      expect(await page.locator(".inbox").textContent()).toMatch(/Verdict: /);
      expect(await page.locator("nav a[href$='glossary.html']").count()).toBe(1);
      await page.close();
    });

  /** Words of table cells that the browser split over two lines (each word's range has one line box). */
  const splitCellWords = () =>
    Array.from(document.querySelectorAll("main th, main td")).flatMap((cell) => {
      const split: string[] = [];
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const text = node.textContent ?? "";
        for (const m of text.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, m.index);
          range.setEnd(node, m.index + m[0].length);
          const lines = new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top)));
          if (lines.size > 1) split.push(m[0]);
        }
      }
      return split;
    });

  for (const width of [320, 390, 1280])
    it(`at ${width} px: tables keep whole words and scroll in their box, never the page`, async () => {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      const subs = JSON.parse(await readFile(join(out, "api/submissions.json"), "utf8")) as {
        submissions: { slug: string }[];
      };
      const pages = [
        "leaderboard.html",
        `submissions/${subs.submissions[0]!.slug}.html`,
        "index.html",
        "threads/1.html",
        "board.html",
      ];
      for (const p of pages) {
        await page.goto(url + p);
        await page.waitForLoadState("networkidle");
        if (!p.startsWith("threads/"))
          expect(await page.locator("main .table-wrap > table").count(), p).toBeGreaterThan(0);
        const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(scroll, `${p} is ${scroll} px wide`).toBeLessThanOrEqual(width);
        expect(await page.evaluate(splitCellWords), `${p}: words split inside cells`).toEqual([]);
        // To look at them: VELODROME_SCREENSHOTS=/some/dir npx vitest run test/site.test.ts
        const shots = process.env.VELODROME_SCREENSHOTS;
        if (shots) await page.screenshot({ path: join(shots, `${p.replaceAll("/", "_")}-${width}.png`) });
      }
      await page.close();
    });

  it("the home page draws every run in the all-results chart, with labelled axes, without JavaScript", async () => {
    const runs = JSON.parse(await readFile(join(out, "api/results.json"), "utf8")).runs as { id: string }[];
    expect(runs.length).toBeGreaterThan(250); // the synthetic repository has 300 runs
    const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(url + "index.html");
    const chart = page.locator("figure.results-chart > svg");
    const box = (await chart.boundingBox())!;
    expect(box.width).toBeGreaterThan(250); // fills the phone's column
    expect(box.height).toBeGreaterThan(100);
    const marks = await page
      .locator("figure.results-chart g.run-mark")
      .evaluateAll((gs) => gs.map((g) => g.getAttribute("data-run")));
    expect(marks).toEqual(runs.map((r) => r.id)); // one mark per run
    const titles = await page.locator("figure.results-chart .axis-title").allTextContents();
    expect(titles).toEqual(["candidate tok/s (95% CI)", "run finished (UTC)"]);
    // Every mark lies inside the drawing's box.
    const outside = await page.locator("figure.results-chart g.run-mark circle").evaluateAll((cs) => {
      const svg = (cs[0] as SVGGraphicsElement).ownerSVGElement!.getBoundingClientRect();
      return cs.filter((c) => {
        const r = c.getBoundingClientRect();
        return (
          r.left < svg.left - 1 || r.right > svg.right + 1 || r.top < svg.top - 1 || r.bottom > svg.bottom + 1
        );
      }).length;
    });
    expect(outside).toBe(0);
    await ctx.close();
  });

  it("the queue, a broadcast and a /join registrant show up on their pages", async () => {
    const page = await browser.newPage();
    await page.goto(url + "index.html");
    await page.locator("nav a[href$='queue.html']").click();
    await page.waitForURL(/queue\.html$/);
    expect(await page.locator("table.queue tbody tr").count()).toBe(1);
    expect(await page.locator("table.queue tbody tr td").first().textContent()).toBe("1");
    const queue = JSON.parse(await readFile(join(out, "api/queue.json"), "utf8"));
    expect(queue.entries).toEqual([expect.objectContaining({ id: "pending-1", position: 1, pr: 77 })]);
    await page.goto(url + "board.html");
    expect(await page.locator(".broadcasts").textContent()).toContain("Runners are back");
    await page.goto(url + "participants/agent-1.html");
    expect(await page.locator(".inbox li.broadcast").count()).toBe(1);
    await page.goto(url + "participants.html");
    await page.locator("a[href$='participants/joined-agent.html']").click();
    expect(await page.locator(".registered").textContent()).toMatch(/\/join/);
    await page.close();
  });

  it("the leaderboard sorts by clicking a header, and works without JavaScript", async () => {
    const page = await browser.newPage();
    await page.goto(url + "leaderboard.html");
    const values = async () =>
      page
        .locator("#leaderboard tbody tr td:nth-child(3)")
        .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute("data-value"))));
    await page.locator("#leaderboard thead th:nth-child(3) button").click();
    const asc = await values();
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await page.locator("#leaderboard thead th:nth-child(3) button").click();
    const desc = await values();
    expect(desc).toEqual([...desc].sort((a, b) => b - a));
    const ctx = await browser.newContext({ javaScriptEnabled: false });
    const nojs = await ctx.newPage();
    await nojs.goto(url + "leaderboard.html");
    expect(await nojs.locator("#leaderboard tbody tr").count()).toBeGreaterThan(5);
    await ctx.close();
    await page.close();
  });

  it("a thread full of payloads executes nothing", async () => {
    const page = await browser.newPage();
    let dialogs = 0;
    page.on("dialog", async (d) => {
      dialogs++;
      await d.dismiss();
    });
    await page.goto(url + "threads/9999.html");
    for (const a of await page.locator("main a").all()) {
      const href = (await a.getAttribute("href")) ?? "";
      expect(href).not.toMatch(/^\s*(javascript|vbscript|data):/i);
    }
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(dialogs).toBe(0);
    await page.close();
  });

  it("is readable on a phone and keyboard-focusable", async () => {
    const page = await browser.newPage({ viewport: { width: 375, height: 740 } });
    await page.goto(url + "index.html");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/Skip to content/);
    await page.close();
  });
});
