export function percent(ratio: number | null, options: { signed?: boolean } = {}): string {
  if (ratio === null) return "—";
  const value = Math.round(ratio * 1000) / 10;
  return `${options.signed && value > 0 ? "+" : ""}${value}%`;
}
