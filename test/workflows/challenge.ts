import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../helpers.ts";
import { silentProgress } from "../../runner/adapters/progress.ts";
import { nodeRepoFiles } from "../../runner/adapters/repo-fs.ts";
import { makeLauncher, nodeBenchPorts } from "../../runner/adapters/runner-ports.ts";
import { parsePrompts } from "../../runner/core/prompts.ts";
import { makeReference, referenceJsonl } from "../../runner/flows/reference.ts";
import { loadChallenge, loadManifest } from "../../runner/flows/repo-load.ts";

export const ALICE = { id: 101, login: "alice" };
export const BOB = { id: 102, login: "bob" };
export const ORGA = { id: 1, login: "orga" };
export const MALLORY = { id: 666, login: "mallory" };

/**
 * The challenge the workflows run on: the embedded demo challenge, shrunk so that a run is a few
 * launches (two prompts, eight tokens, one look of two blocks), with three participants.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- challenge.yaml patched field by field
export function challengeFiles(patch: (ch: Record<string, any>) => void = () => {}): Record<string, string> {
  const template = join(REPO_ROOT, "runner/demo/template/challenge");
  const ch = parse(readFileSync(join(template, "challenge.yaml"), "utf8"));
  ch.metric.max_tokens = 8;
  ch.significance.looks = [2];
  ch.significance.prompts_per_group = 1;
  ch.organizers = ["orga"];
  patch(ch);
  const prompts =
    readFileSync(join(template, "prompts/public.jsonl"), "utf8").split("\n").slice(0, 2).join("\n") + "\n";
  return {
    "challenge/challenge.yaml": stringify(ch),
    "challenge/prompts/public.jsonl": prompts,
    "challenge/participants.yaml": stringify({
      schema: 1,
      participants: [
        { id: ALICE.id, login: "alice", owner: { id: 900, login: "alice-owner" } },
        { id: BOB.id, login: "bob", owner: { id: 901, login: "bob-owner" } },
        { id: ORGA.id, login: "orga", owner: { id: ORGA.id, login: "orga" } },
      ],
    }),
    ".gitignore": ".velodrome/\nnode_modules\nsite/dist/\nout/\nreport/\npr/\n",
  };
}

/**
 * The runbook's reference step, done on a runner (here: this host, the embedded engine) and
 * committed: the baseline's plain-decode outputs of the public prompts, at the path challenge.yaml
 * names. Without it an embedded challenge makes them on each runner, and the gather (no engine) cannot.
 */
export async function writeReference(repo: string, work: string): Promise<{ path: string; text: string }> {
  const challenge = await loadChallenge(nodeRepoFiles(repo));
  const { prompts } = parsePrompts(
    "public.jsonl",
    await readFile(join(repo, challenge.metric.prompts), "utf8"),
    "embedded",
  );
  const ports = nodeBenchPorts(makeLauncher("embedded", REPO_ROOT, "auto"), silentProgress);
  const baseline = { slug: "baseline", manifest: await loadManifest(nodeRepoFiles(repo), "baseline") };
  const ref = await makeReference(ports, challenge, baseline, prompts, work);
  const path = challenge.verification.reference.outputs!;
  const text = referenceJsonl(ref.lines);
  await mkdir(join(repo, path, ".."), { recursive: true });
  await writeFile(join(repo, path), text);
  return { path, text };
}
