import { seededRng, shuffle } from "./rng.ts";

export type Arm = "candidate" | "incumbent";

/**
 * Block order for n blocks: permuted blocks from a logged seed. Exactly half the blocks (rounded
 * down; the odd one out is random) run the candidate first, so a drift within a block (thermal,
 * cache warm-up of the machine) cannot favour one arm.
 */
export function blockOrder(blocks: number, seed: number): Arm[][] {
  const rng = seededRng(seed);
  const firsts: Arm[] = [];
  for (let i = 0; i < Math.floor(blocks / 2); i++) firsts.push("candidate", "incumbent");
  if (blocks % 2) firsts.push(rng.uniform() < 0.5 ? "candidate" : "incumbent");
  return shuffle(firsts, rng).map((first) =>
    first === "candidate" ? ["candidate", "incumbent"] : ["incumbent", "candidate"],
  );
}
