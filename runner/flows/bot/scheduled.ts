import {
  planCalibration,
  planReverification,
  scheduledInputs,
  type ScheduleInput,
  type SchedulePlan,
} from "../../core/github/scheduled.ts";
import { dataPath } from "../../core/layout.ts";
import type { Reservation } from "../../core/schema/data.ts";
import type { DataState } from "../../ports.ts";
import { recordWrite, type FlowContext, type Outcome } from "./context.ts";

/** What a schedule needs from the context and the data branch. */
const scheduleInput = (ctx: FlowContext, state: DataState): ScheduleInput => ({
  challenge: ctx.challenge,
  state,
  knownSlugs: ctx.knownSlugs,
  now: ctx.now(),
});

/**
 * Writes a schedule's reservations in one data-branch commit (planned inside the transaction, so a
 * second run of the workflow the same day finds them and dispatches nothing new), then dispatches
 * evaluate.yml for each new one. The publish job of each run records it like any other.
 */
async function dispatchPlan(
  ctx: FlowContext,
  message: string,
  plan: (state: DataState) => SchedulePlan,
): Promise<Outcome> {
  const decided = await ctx.store.transact(message, (state) => {
    const p = plan(state);
    return { writes: p.runs.map((r) => recordWrite(dataPath.reservation(r.id), r)), result: p };
  });
  for (const r of decided.runs) await ctx.api.dispatch(ctx.evaluateWorkflow, ctx.ref, scheduledInputs(r));
  for (const s of decided.skipped) ctx.log?.(`skipped ${s.what}: ${s.why}`);
  const ids = (rs: Reservation[]) => rs.map((r) => r.id);
  return {
    kind: "scheduled",
    dispatched: ids(decided.runs),
    already: ids(decided.already),
    skipped: decided.skipped,
  };
}

/** The daily A/A calibration (calibrate.yml): the leader against itself on every runner of the pool. */
export function runCalibration(ctx: FlowContext, runners: readonly string[] = []): Promise<Outcome> {
  return dispatchPlan(ctx, "schedule: daily A/A calibration", (state) =>
    planCalibration(scheduleInput(ctx, state), runners),
  );
}

/** The daily re-verification (reverify.yml): the top k of the standings on the private set. */
export function runReverification(ctx: FlowContext): Promise<Outcome> {
  return dispatchPlan(ctx, "schedule: daily re-verification of the top results", (state) =>
    planReverification(scheduleInput(ctx, state)),
  );
}
