// When the board mirror's weekly repair is due (core/github/board-repair.ts): state on the data
// branch, not a schedule a concurrency group can replace.
import { describe, expect, it } from "vitest";
import { lastRepairSlot, repairDue } from "../../runner/core/github/board-repair.ts";

const at = (iso: string) => new Date(iso);

describe("the weekly repair slot", () => {
  it("is the latest Sunday 04:05 UTC at or before now", () => {
    expect(lastRepairSlot(at("2026-01-18T04:05:00Z")).toISOString()).toBe("2026-01-18T04:05:00.000Z");
    expect(lastRepairSlot(at("2026-01-18T04:04:59Z")).toISOString()).toBe("2026-01-11T04:05:00.000Z");
    expect(lastRepairSlot(at("2026-01-17T23:00:00Z")).toISOString()).toBe("2026-01-11T04:05:00.000Z");
    expect(lastRepairSlot(at("2026-01-15T12:00:00Z")).toISOString()).toBe("2026-01-11T04:05:00.000Z");
  });

  it("is due once after each slot, and never silenced by a bad or future stamp", () => {
    expect(repairDue(undefined, at("2026-01-15T12:00:00Z"))).toBe(true);
    expect(repairDue("2026-01-11T04:05:00Z", at("2026-01-15T12:00:00Z"))).toBe(false);
    expect(repairDue("2026-01-11T04:04:00Z", at("2026-01-15T12:00:00Z"))).toBe(true); // begun before the slot
    expect(repairDue("2026-01-18T04:09:00Z", at("2026-01-18T05:00:00Z"))).toBe(false);
    expect(repairDue("2027-01-01T00:00:00Z", at("2026-01-15T12:00:00Z"))).toBe(true); // a clock ahead
    expect(repairDue("not a time", at("2026-01-15T12:00:00Z"))).toBe(true);
  });
});
