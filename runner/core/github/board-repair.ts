/**
 * When the board mirror repairs itself. A repair resync reads both change feeds from the beginning
 * and catches what no feed reports (a deleted comment on a thread that did not otherwise change).
 * It used to be its own weekly schedule in board.yml, but a scheduled run waits in the single
 * `board` concurrency group like any other, and under a contest's traffic a newer event's run
 * replaces it before it starts: the repair never ran. So it is state, not an event: the first
 * board run, whatever started it, after the weekly slot and with no repair since, is the repair
 * (the `board-repair` watermark says when the last one began). Pure.
 */

/** The weekly slot (UTC): Sunday 04:05, a quiet hour, apart from the daily schedules at :41 and :15/:45. */
export const REPAIR_SLOT = { weekday: 0, hour: 4, minute: 5 } as const;

const DAY_MS = 24 * 60 * 60 * 1000;

/** The latest slot at or before `now`. */
export function lastRepairSlot(
  now: Date,
  slot: { weekday: number; hour: number; minute: number } = REPAIR_SLOT,
): Date {
  const t = new Date(now.getTime());
  t.setUTCHours(slot.hour, slot.minute, 0, 0);
  const back = (t.getUTCDay() - slot.weekday + 7) % 7;
  let at = t.getTime() - back * DAY_MS;
  if (at > now.getTime()) at -= 7 * DAY_MS;
  return new Date(at);
}

/**
 * Whether this board run is the repair: none has begun since the latest slot (or ever). A last
 * repair stamped in the future (a runner's clock ahead) counts as none, so a wrong clock cannot
 * silence the repair for good.
 */
export function repairDue(lastRepair: string | undefined, now: Date): boolean {
  const last = lastRepair === undefined ? NaN : Date.parse(lastRepair);
  if (!Number.isFinite(last) || last > now.getTime()) return true;
  return last < lastRepairSlot(now).getTime();
}
