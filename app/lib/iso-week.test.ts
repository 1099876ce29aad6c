import { describe, expect, it } from "vitest";
import { isoWeekName, isoWeekStart, previousIsoWeek } from "./iso-week.ts";

const d = (iso: string) => new Date(iso);

describe("ISO weeks", () => {
  it("names weeks as ISO 8601 does, across year ends", () => {
    expect(isoWeekName(d("2026-11-22T12:00:00Z"))).toBe("2026-W47"); // a Sunday
    expect(isoWeekName(d("2026-11-23T00:00:00Z"))).toBe("2026-W48"); // the Monday after
    expect(isoWeekName(d("2021-01-03T00:00:00Z"))).toBe("2020-W53"); // early January in the previous ISO year
    expect(isoWeekName(d("2024-12-30T00:00:00Z"))).toBe("2025-W01"); // late December in the next one
    expect(isoWeekName(d("2026-01-01T00:00:00Z"))).toBe("2026-W01");
  });

  it("starts weeks on Monday 00:00 UTC; the previous week is the last whole one", () => {
    expect(isoWeekStart(d("2026-11-22T23:59:59Z")).toISOString()).toBe("2026-11-16T00:00:00.000Z");
    expect(isoWeekStart(d("2026-11-16T00:00:00Z")).toISOString()).toBe("2026-11-16T00:00:00.000Z");
    const previous = previousIsoWeek(d("2026-11-25T08:00:00Z"));
    expect(previous).toEqual({ name: "2026-W47", start: d("2026-11-16T00:00:00Z"), end: d("2026-11-23T00:00:00Z") });
  });
});
