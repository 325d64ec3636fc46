import { confirm } from "./confirm.ts";
import { judge } from "./judge.ts";
import { runLooks } from "./looks.ts";
import { planRun } from "./plan.ts";
import { recordRun } from "./record.ts";
import { references } from "./references.ts";
import { HERE, type BenchOptions, type BenchPorts, type BenchResult, type RunMode } from "./types.ts";

export { runShare } from "./blocks.ts";
export { turnLengthProblem } from "./launch.ts";
export * from "./types.ts";

/**
 * The benchmark use case: blocks of fresh engine launches of two contenders in a seeded, balanced
 * order; sequential looks at the comparison; quality verified on the timed outputs themselves; a
 * claimed lead re-run on the private prompt set; one validated run record at the end. Each phase
 * takes values and returns one; a failure becomes the run's outcome, never a throw.
 */
export async function runBenchmark(
  ports: BenchPorts,
  o: BenchOptions,
  mode: RunMode = HERE,
): Promise<BenchResult> {
  const plan = await planRun(ports, o); // looks, block order, deadline, the record's head
  const refs = await references(ports, o, mode); // each arm's plain decode (none off the pool)
  const looks = await runLooks(ports, o, mode, plan, refs); // timed blocks, look by look
  const judged = await judge(ports, o, refs, looks); // the trusted scorer; invalid if verification failed
  ports.progress.done();
  const confirmation = await confirm(ports, o, plan, refs, looks, judged); // a claimed lead, on private prompts
  return recordRun(ports, o, { plan, looks, judged, confirmation });
}
