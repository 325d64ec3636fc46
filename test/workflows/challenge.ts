import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { REPO_ROOT } from "../helpers.ts";

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
