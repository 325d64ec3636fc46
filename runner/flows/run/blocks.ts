import { blockPlans, designBlocks, type BlockDesign, type LaunchPlan } from "./block-plan.ts";
import { runLaunch } from "./launch.ts";
import type {
  BenchOptions,
  BenchPorts,
  BlockPool,
  BlockShare,
  GatheredShares,
  LaunchResult,
  RunMode,
} from "./types.ts";

/**
 * Where the launches of a look's blocks come from, by run mode: run here one after another, shared
 * out over a pool of worker processes, or read from the shares the matrix's runners ran. Whichever
 * it is, the launches come back in block order with their plans, so the looks phase absorbs them
 * the same way and a shared-out look gives the record a single process gives.
 */

/** One launch and the plan it ran. */
export type Launched = { plan: LaunchPlan; result: LaunchResult };

const arms = (o: BenchOptions) => ({ candidate: o.candidate, incumbent: o.incumbent });

/** Runs a share of blocks in this process, each block's launches in its order, on its group. */
export async function runShare(
  ports: BenchPorts,
  o: BenchOptions,
  share: BlockShare,
): Promise<LaunchResult[]> {
  const d = designBlocks(o.challenge, o.public, o.seed, share.maxBlocks);
  const results: LaunchResult[] = [];
  for await (const { result } of runBlocks(ports, o, d, share.blocks, share.deadline, share.machine))
    results.push(result);
  return results;
}

/** The given blocks run in this process, in order, each block's launches in its order. */
async function* runBlocks(
  ports: BenchPorts,
  o: BenchOptions,
  design: BlockDesign,
  blocks: Iterable<number>,
  deadline: number,
  machine?: string,
): AsyncGenerator<Launched> {
  for (const block of blocks)
    for (const plan of blockPlans(design, arms(o), block, machine))
      yield { plan, result: await runLaunch(ports, o, plan, deadline) };
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** The first block of [from, to) no gathered share holds; undefined when the shares hold them all. */
export function firstNotRun(shares: GatheredShares, from: number, to: number): number | undefined {
  for (let block = from; block < to; block++) if (!shares.launchesOf(block)) return block;
  return undefined;
}

/** Where blocks run (see RunMode): every block of [from, to), launch by launch, in block order. */
export async function* launches(
  ports: BenchPorts,
  o: BenchOptions,
  mode: RunMode,
  at: { design: BlockDesign; deadline: number },
  from: number,
  to: number,
): AsyncGenerator<Launched> {
  if (mode.kind === "here" || mode.kind === "share") {
    yield* runBlocks(ports, o, at.design, range(from, to), at.deadline);
    return;
  }
  const results =
    mode.kind === "pool"
      ? (await mode.pool.run(o, poolShares(o, mode.pool, at, from, to))).flat()
      : range(from, to).flatMap((block) => mode.shares.launchesOf(block) ?? []);
  results.sort((a, b) => a.record.block - b.record.block || a.record.position - b.record.position);
  for (const result of results)
    yield { plan: blockPlans(at.design, arms(o), result.record.block)[result.record.position]!, result };
}

/** Blocks [from, to) dealt round-robin over the pool's workers, each named after this runner. */
function poolShares(
  o: BenchOptions,
  pool: BlockPool,
  at: { design: BlockDesign; deadline: number },
  from: number,
  to: number,
): BlockShare[] {
  const workers = Math.min(pool.workers, to - from);
  const shares: BlockShare[] = Array.from({ length: workers }, (_, k) => ({
    machine: `${o.runner.id}/worker-${k + 1}`,
    blocks: [],
    maxBlocks: at.design.order.length,
    deadline: at.deadline,
  }));
  for (let block = from; block < to; block++) shares[(block - from) % workers]!.blocks.push(block);
  return shares;
}
