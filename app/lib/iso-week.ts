// ISO 8601 weeks (Monday to Sunday; week 1 holds the year's first Thursday),
// in UTC: the weekly repayment digest covers one and is keyed by its name.

const DAY_MS = 86_400_000;

/** Monday 00:00 UTC of the week `date` falls in. */
export function isoWeekStart(date: Date): Date {
  const midnight = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(midnight - weekday * DAY_MS);
}

/** "2026-W47": the ISO year (which may differ from the calendar year near New Year) and week number. */
export function isoWeekName(date: Date): string {
  const thursday = new Date(isoWeekStart(date).getTime() + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The last whole week before the one `now` falls in: [start, end). */
export function previousIsoWeek(now: Date): { name: string; start: Date; end: Date } {
  const end = isoWeekStart(now);
  const start = new Date(end.getTime() - 7 * DAY_MS);
  return { name: isoWeekName(start), start, end };
}
