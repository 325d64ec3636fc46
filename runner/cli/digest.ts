import { resolve } from "node:path";
import { readPublishedSite, type SiteSource } from "../adapters/published-site.ts";
import { loadSiteInput } from "../adapters/site-source.ts";
import { stateFromSite } from "../core/digest-site.ts";
import { stateOfPlay, stateOfPlayText, type StateOfPlay } from "../core/digest.ts";
import { UsageError } from "../core/errors.ts";
import { Login } from "../core/schema/common.ts";
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
  site: {
    type: "string",
    placeholder: "URL",
    description: "read the published site instead of a clone, e.g. https://<owner>.github.io/<challenge>/",
  },
  from: {
    type: "string",
    placeholder: "DIR",
    description: "read a copy of the published site (its root folder, holding api/) instead of a clone",
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
    "so it agrees with the site's pages and api/digest.json. Quota is as of now.\n" +
    "Without a clone, --site URL (or --from DIR, a downloaded copy) reads the same from the published\n" +
    "site's JSON; there the quota is the participant's own, as of the site's data.",
  options: OPTIONS,
};

/** `velodrome digest [--login X] [--json]`. */
export async function digestCommand(argv: string[], io: Io): Promise<number> {
  const { help, values } = parseOptions(OPTIONS, argv, false);
  if (help) return (io.out(helpText(DIGEST)), 0);
  const login = values.login;
  if (login !== undefined && !Login.safeParse(login).success)
    throw new UsageError(`--login: ${JSON.stringify(login)} is not a GitHub login`);
  const state = await (values.site !== undefined || values.from !== undefined
    ? fromSite(siteSource(values.site, values.from, io.cwd), login)
    : fromRepo(resolve(io.cwd, values.repo), values["data-ref"], login));
  io.out(values.json ? JSON.stringify(state, null, 2) + "\n" : stateOfPlayText(state));
  return 0;
}

function siteSource(site: string | undefined, from: string | undefined, cwd: string): SiteSource {
  if (site !== undefined && from !== undefined) throw new UsageError("give --site or --from, not both");
  if (from !== undefined) return { dir: resolve(cwd, from) };
  let url: URL;
  try {
    url = new URL(site!);
  } catch {
    throw new UsageError(
      `--site: ${JSON.stringify(site)} is not a URL (e.g. https://<owner>.github.io/<challenge>/)`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new UsageError(`--site: ${url.protocol} is not http(s)`);
  // The site's root: relative paths (api/digest.json) resolve under it only with a trailing slash.
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return { url };
}

async function fromSite(source: SiteSource, login: string | undefined): Promise<StateOfPlay> {
  return stateFromSite(await readPublishedSite(source, login), login);
}

async function fromRepo(repo: string, dataRef: string | undefined, login: string | undefined) {
  const input = await loadSiteInput(repo, dataRef ? { dataRef } : {});
  return stateOfPlay(input, buildModel(input), login, new Date());
}
