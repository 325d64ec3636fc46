import { createHash } from "node:crypto";
import { groupOfBlock } from "../../core/plan/groups.ts";
import { seededRng, shuffle } from "../../core/stats/rng.ts";
import type { PromptItem } from "../../core/verify.ts";
import type { BlockDesign } from "./block-plan.ts";
import type { PromptSet } from "../reference.ts";
import { PRIVATE_PREFIX } from "./verify-arms.ts";

/**
 * The prompts of a private confirmation launch. An engine that can tell it is being confirmed can
 * behave for the confirmation only, so that launch looks like a timed block: the public prompts
 * of the group the next block would decode, its warm-ups, its request shapes, and the private
 * prompts shuffled in among them. Which positions hold private prompts is seeded from the run id
 * and the private set itself: the engine can read the run id (its scratch path holds it), never
 * the private file, so it cannot know where the first private prompt falls before it arrives.
 */
export interface ConfirmationSet {
  /** Public and private prompts in one seeded order; private ids carry PRIVATE_PREFIX. */
  set: PromptSet;
  /** The warm-ups a timed launch of the same group would send. */
  warmup: PromptItem[];
}

/** A seed nobody without the private prompts can compute: the run id and the private set's tokens. */
export function confirmationSeed(runId: string, priv: PromptSet): number {
  const h = createHash("sha256").update(runId);
  for (const p of priv.prompts) h.update(`\n${p.id}:${p.ids.join(",")}`);
  return parseInt(h.digest("hex").slice(0, 8), 16);
}

/** The private set under PRIVATE_PREFIX mixed into the public group of `block`, in a seeded order. */
export function confirmationSet(
  runId: string,
  design: BlockDesign,
  block: number,
  priv: PromptSet,
): ConfirmationSet {
  const group = design.groups[groupOfBlock(block, design.groups.length)]!;
  const privatePrompts = priv.prompts.map((p) => ({ ...p, id: PRIVATE_PREFIX + p.id }));
  const privateLines = [...priv.reference.values()].map((l) => ({ ...l, id: PRIVATE_PREFIX + l.id }));
  const rng = seededRng(confirmationSeed(runId, priv));
  const prompts = shuffle([...group.prompts, ...privatePrompts], rng);
  const reference = new Map([...group.reference, ...privateLines.map((l) => [l.id, l] as const)]);
  return { set: { prompts, reference, referencePpl: priv.referencePpl }, warmup: group.prompts };
}

/** What a confirmation launch measured on its private prompts only (the public ones are cover). */
export function privateShare<T>(all: ReadonlyMap<string, T>): Map<string, T> {
  const out = new Map<string, T>();
  for (const [id, v] of all) if (id.startsWith(PRIVATE_PREFIX)) out.set(id.slice(PRIVATE_PREFIX.length), v);
  return out;
}
