import { designBlocks, type BlockDesign } from "./block-plan.ts";
import type { BenchOptions, BenchPorts, Contender } from "./types.ts";

/**
 * Phase 1 of a run: what is fixed before any launch — the planned looks, the seeded block order and
 * prompt groups, the whole-run deadline, and the record's head (who, where, the design).
 */
export interface RunPlan {
  startedAt: string;
  /** Block counts at which the comparison is looked at; the last is the run's largest. */
  looks: number[];
  design: BlockDesign;
  /** Absolute time (the clock's ms) past which no launch or request starts. */
  deadline: number;
  head: Awaited<ReturnType<typeof recordHead>>;
}

export const isoTime = (ports: BenchPorts) => new Date(ports.clock()).toISOString();

export async function planRun(ports: BenchPorts, o: BenchOptions): Promise<RunPlan> {
  const startedAt = isoTime(ports);
  const looks = o.blocks ? [o.blocks] : o.challenge.significance.looks;
  const design = designBlocks(o.challenge, o.public, o.seed, looks[looks.length - 1]!);
  const head = await recordHead(ports, o, looks, design);
  const deadline = ports.clock() + (o.deadlineMs ?? o.challenge.job_timeout_minutes * 60_000);
  return { startedAt, looks, design, deadline, head };
}

/** The parts of the record known before any launch: who, where, and the design. */
async function recordHead(ports: BenchPorts, o: BenchOptions, looks: number[], d: BlockDesign) {
  const ch = o.challenge;
  const contender = (c: Contender) => ({ slug: c.slug, ...(c.commit ? { commit: c.commit } : {}) });
  return {
    version: 1 as const,
    id: o.id,
    challenge: ch.id,
    candidate: contender(o.candidate),
    incumbent: contender(o.incumbent),
    ...(o.requester ? { requester: o.requester } : {}),
    ...(o.credited ? { credited: o.credited } : {}),
    ...(o.pr ? { pr: o.pr } : {}),
    runner: {
      id: o.runner.id,
      hardware: o.runner.hardware,
      engine: await ports.launcher.version().catch(() => ports.launcher.kind),
      harness: o.harness ?? "velodrome 0.1.0",
    },
    design: {
      seed: o.seed,
      order: d.order.map((b) => (b[0] === "candidate" ? ("CI" as const) : ("IC" as const))),
      looks,
      warmup: ch.metric.warmup,
      repeats: ch.metric.repeats,
      prompts: o.public.prompts.length,
      ...(d.promptsPerGroup !== undefined ? { promptsPerGroup: d.promptsPerGroup } : {}),
      maxTokens: ch.metric.max_tokens,
    },
  };
}
