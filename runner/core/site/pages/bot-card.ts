import { type BotMessage, num, text } from "../comments.ts";
import { cssToken, f1, verdictLabel } from "../format.ts";
import { html, type Html } from "../html.ts";

/**
 * Cards for bot comments, drawn from their JSON twins: a verdict, a validation report, a queued
 * run, a refusal, a ruling. Every value is escaped by `html`; unknown kinds get a plain card.
 */

/** A link to a submission page from a thread page (depth 1). */
const sub = (slug: string) => (slug ? html`<a href="../submissions/${slug}.html">${slug}</a>` : "?");

/** One definition row, skipped when the value is empty. */
const row = (term: string, value: Html | string) =>
  value === "" ? "" : html`<dt>${term}</dt><dd>${value}</dd>`;

function verdictCard(d: Record<string, unknown>): Html {
  if (text(d, "status") === "rejected")
    return html`<p class="card-title">Result of run <code>${text(d, "id")}</code> rejected</p>\
<p>${text(d, "reason")}</p>`;
  const verdict = text(d, "verdict");
  const est = num(d, "estimate");
  const ci = Array.isArray(d.ci) && d.ci.every((x) => typeof x === "number") ? (d.ci as number[]) : null;
  const delta =
    est === undefined ? "" : `${f1(est)} tok/s${ci ? ` (CI ${f1(ci[0]!)} to ${f1(ci[1]!)})` : ""}`;
  const q = d.quality && typeof d.quality === "object" ? (d.quality as Record<string, unknown>) : null;
  const quality = q ? (q.ok === true ? "passed" : "failed") : "";
  const title = verdict
    ? html`<span class="verdict v-${cssToken(verdict)}">${verdictLabel(verdict)}</span>`
    : html`<span class="verdict">${text(d, "status") || "no verdict"}</span>`;
  return html`<p class="card-title">Verdict: ${title}</p>
<dl>${row("Candidate", sub(text(d, "candidate")))}${row("Against", sub(text(d, "incumbent")))}\
${row("Difference", delta)}${row("Blocks", text(d, "blocks"))}${row("Quality", quality)}\
${row("Confirmation", text(d, "confirmation"))}${row("Run", text(d, "id"))}${row("Status", text(d, "status"))}</dl>`;
}

function validationCard(d: Record<string, unknown>): Html {
  const sha = text(d, "sha").slice(0, 7);
  if (d.ok === true) return html`<p class="card-title">Validation passed at <code>${sha}</code></p>`;
  const problems = Array.isArray(d.problems) ? (d.problems as Record<string, unknown>[]) : [];
  const items = problems.slice(0, 20).map((p) => {
    const where = `${text(p, "file")}${text(p, "line") ? `:${text(p, "line")}` : ""}`;
    const fix = text(p, "fix");
    return html`<li><code>${where}</code> ${text(p, "message")}${fix ? html` <em>Fix: ${fix}</em>` : ""}</li>`;
  });
  const more = problems.length > 20 ? html`<li>${problems.length - 20} more</li>` : "";
  return html`<p class="card-title">Validation found ${problems.length} problem(s) at <code>${sha}</code></p>
<ul>${items}${more}</ul>`;
}

function queuedCard(d: Record<string, unknown>): Html {
  const q = d.quota && typeof d.quota === "object" ? (d.quota as Record<string, unknown>) : {};
  const quota = text(q, "agentLimit") ? `${text(q, "agentUsed")} of ${text(q, "agentLimit")} runs used` : "";
  return html`<p class="card-title">Queued: ${sub(text(d, "slug"))} against ${sub(text(d, "against"))}</p>
<dl>${row("Run", text(d, "runId"))}${row("Commit", text(d, "sha").slice(0, 7))}\
${row("Requested by", text(d, "requester") ? `@${text(d, "requester")}` : "")}${row("Quota", quota)}\
${row("Pooled", d.pooled === true ? `yes, credited to @${text(d, "author")}` : "")}</dl>`;
}

function rulingCard(d: Record<string, unknown>): Html {
  const by = d.by && typeof d.by === "object" ? text(d.by as Record<string, unknown>, "login") : "";
  return html`<p class="card-title">Ruling: ${sub(text(d, "slug"))} is ${text(d, "decision")}</p>
<dl>${row("Reason", text(d, "reason"))}${row("By", by ? `@${by}` : "")}</dl>`;
}

/** The card for one bot message. */
export function botCard(m: BotMessage): Html {
  const d = m.data;
  let inner: Html;
  if (m.kind === "verdict") inner = verdictCard(d);
  else if (m.kind === "validate") inner = validationCard(d);
  else if (m.kind === "queued") inner = queuedCard(d);
  else if (m.kind === "ruling") inner = rulingCard(d);
  else if (m.kind === "refused")
    inner = html`<p class="card-title">Request refused</p><p>@${text(d, "requester")}: ${text(d, "reason")}</p>`;
  else inner = html`<p class="card-title">Bot message (${m.kind})</p>`;
  return html`<div class="card card-${cssToken(m.kind)}">${inner}</div>`;
}
