import { join } from "node:path";
import { plainReference } from "../plain-reference.ts";
import { failed } from "./outcome.ts";
import { enginesHere, type BenchOptions, type BenchPorts, type Outcome, type RunMode } from "./types.ts";
import { PRIVATE_PREFIX, type PlainRefs } from "./verify-arms.ts";

/**
 * Phase 2 of a run: each arm's plain-decode reference (its configuration without the decode-time
 * options), what its timed outputs are held to. They need engines: a gather off the runner pool,
 * where none may start, goes without (its quality is then baseline agreement only, not ranked).
 */

/** The references, none (no engine may start here), or the failure that stops the run. */
export type References = { plain?: PlainRefs } | { failed: Outcome };

export async function references(ports: BenchPorts, o: BenchOptions, mode: RunMode): Promise<References> {
  if (!enginesHere(mode)) return {};
  try {
    return { plain: await plainReferences(ports, o) };
  } catch (e) {
    return { failed: failed(e) };
  }
}

/** Each arm's plain-decode reference: the candidate's covers the private prompts too (for confirmation). */
export async function plainReferences(ports: BenchPorts, o: BenchOptions): Promise<PlainRefs> {
  const common = {
    challenge: o.challenge,
    cacheDir: o.plainCacheDir ?? join(o.workDir, "plain-reference"),
    workDir: o.workDir,
    ...(o.startTimeoutMs ? { startTimeoutMs: o.startTimeoutMs } : {}),
    ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
  };
  // Private ids may repeat public ones: they are kept apart under a prefix.
  const privatePrompts = (o.private?.prompts ?? []).map((p) => ({ ...p, id: PRIVATE_PREFIX + p.id }));
  const withPrivate = [...o.public.prompts, ...privatePrompts];
  const candidate = await plainReference(ports, { ...common, contender: o.candidate, prompts: withPrivate });
  const incumbent = await plainReference(ports, {
    ...common,
    contender: o.incumbent,
    prompts: o.public.prompts,
  });
  for (const [arm, p] of [["candidate", candidate] as const, ["incumbent", incumbent] as const])
    ports.progress.line(`plain-decode reference of the ${arm}: ${p.launched ? "made" : "reused from cache"}`);
  return { candidate, incumbent };
}
