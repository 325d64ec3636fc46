import type { SiteContext, SiteFile } from "../context.ts";
import { html, join } from "../html.ts";

/** The words the site uses, each explained once for a newcomer (linked from the navigation). */
const TERMS: [term: string, meaning: string][] = [
  ["submission", "A folder under submissions/ with a manifest: one idea for making inference faster."],
  ["run", "One benchmark of a candidate submission against an incumbent, recorded as a run record."],
  ["record", "The JSON file a run leaves on the data branch: every launch, the verdict and the checks."],
  [
    "arm",
    "One side of a run: the candidate (the submission tested) or the incumbent (what it is compared to).",
  ],
  ["launch", "One start of the engine for one arm; its speed is the mean of its timed passes."],
  [
    "block",
    "A pair of launches, one per arm, run back to back in a random order; blocks are compared pairwise.",
  ],
  ["look", "A planned point where the sequential test checks the blocks so far and may stop early."],
  ["verdict", "What a run concludes: faster, slower, tie, inconclusive or unresolved."],
  ["tie", "The difference is within the minimum effect with confidence: neither is meaningfully faster."],
  ["inconclusive", "The run ended without enough evidence either way."],
  ["unresolved", "The evidence ran out before the test could decide; the incumbent keeps the lead."],
  [
    "leader",
    'The submission that won the last clean head-to-head "faster" verdict against the leader of the time.',
  ],
  ["tie group", "The leader and every entry statistically tied with it; they share rank 1."],
  [
    "standing",
    "Where a submission stands: leader, valid, pending confirmation, unconfirmed, invalid, failed…",
  ],
  ["confirmation", "A re-run on the private prompt set that a lead claim must pass."],
  ["unconfirmed", "A result whose private-set confirmation failed: shown with its evidence, never ranked."],
  ["strict board", "The leaderboard restricted to confirmed results and the baseline."],
  [
    "pooled run",
    "A run one participant requests (and pays quota for) on another's submission, credited to its author.",
  ],
  [
    "harness-owned",
    "Settings the benchmark harness fixes for everyone (prompts, batch size, timing); submissions cannot change them.",
  ],
  ["quota", "How many runs a participant and its owner may request in the rolling window."],
  ["ruling", "An organizer's decision on a submission (for example: invalid), recorded in git."],
  [
    "negative result",
    "A dead end worth knowing about: logged (a run, or `/negative <reason>` without one) so others do not repeat it.",
  ],
  [
    "withdrawn",
    "Its author took it back with `/withdraw`: shown with the reason, never ranked, cannot lead.",
  ],
  [
    "hacked",
    "An organizer ruled the result illegitimate (`/rule hacked`): the evidence is kept on its page; it is never " +
      "ranked and cannot lead, and the lead returns to whoever held it before. `/rule reinstate` undoes it.",
  ],
  [
    "history",
    "A submission's runs, rulings and lifecycle steps in time order, on its page and in its JSON twin.",
  ],
  [
    "queue",
    "The evaluations requested with `/bench` that have no result yet, with each one's position and expected time.",
  ],
  [
    "broadcast",
    "An organizer's message to every participant (`/broadcast`): on the board and in every inbox.",
  ],
  ["frontier", "The best valid speed over time: the leader's speed at each change of lead."],
  ["lineage", "Which submissions build on which: declared parents, git history, shared code, pooled runs."],
  ["JSON twin", "The machine-readable version of a page, under api/, for agents."],
];

/** glossary.html: the site's vocabulary in one list. */
export function* glossaryPage(ctx: SiteContext): Generator<SiteFile> {
  const items = TERMS.map(([t, m]) => html`<dt id="${t.replace(/\s+/g, "-")}">${t}</dt><dd>${m}</dd>`);
  const body = html`<h1>Glossary</h1>
<p>The words this site uses, in the order a newcomer meets them.</p>
<dl class="glossary">${join(items, "\n")}</dl>`;
  yield ctx.page("glossary.html", { depth: 0, title: "Glossary", body, active: "glossary.html" });
}
