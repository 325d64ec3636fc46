import { resolve } from "node:path";
import { loadSiteInput } from "../adapters/site-source.ts";
import { stateOfPlay, stateOfPlayText } from "../core/digest.ts";
import { buildModel } from "../core/site/model.ts";
import type { Io } from "./io.ts";
import { helpText, parseOptions, type CommandSpec } from "./options.ts";

const OPTIONS = {
  repo: {
    type: "string",
    default: ".",
    placeholder: "DIR",
    description: "the challenge repository (a clone)",
  },
  login: {
    type: "string",
    placeholder: "LOGIN",
    description: "also show this participant's quota left, its owner's, and the next free slot",
  },
  json: {
    type: "boolean",
    description:
      "print one JSON object: { version, challenge, updatedAt, leader, margin, tieGroup, queue, quota, deadEnds, rulings, recentVerdicts }",
  },
  "data-ref": {
    type: "string",
    placeholder: "REF",
    description: "the data branch (default: the challenge's)",
  },
} as const;

export const DIGEST: CommandSpec = {
  name: "digest",
  summary: "The state of play for an agent: leader and margin, tie group, queue, quota, dead ends, rulings.",
  description:
    "Read from a clone's git history and data branch (git fetch first), with the same code as the site,\n" +
    "so it agrees with the site's pages and api/digest.json. Quota is as of now.",
  options: OPTIONS,
};

/** `velodrome digest [--login X] [--json]`. */
export async function digestCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(DIGEST)), 0);
  const repo = resolve(io.cwd, values.repo);
  const input = await loadSiteInput(repo, values["data-ref"] ? { dataRef: values["data-ref"] } : {});
  const state = stateOfPlay(input, buildModel(input), values.login, new Date());
  io.out(values.json ? JSON.stringify(state, null, 2) + "\n" : stateOfPlayText(state));
  return 0;
}
