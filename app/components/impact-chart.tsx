// A quarterly trend as a small SVG line with the same numbers in a table beside
// it: the table is what screen readers and the CSV agree on; the line only
// helps the eye. A withheld or missing quarter is a gap, never a guessed point.

export type TrendPoint = {
  label: string;
  /** Basis points (0..10,000) or null when there is no figure to draw. */
  value: number | null;
  /** What the table says for this quarter (the figure, or why there is none). */
  text: string;
  /** Clients the figure is over, when shown. */
  clients?: number | null;
};

const WIDTH = 320;
const HEIGHT = 140;
const PAD = { top: 12, right: 12, bottom: 24, left: 40 };

/** Segments of consecutive drawn points: a gap breaks the line. */
function segments(points: { x: number; y: number | null }[]): { x: number; y: number }[][] {
  const out: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] = [];
  for (const p of points) {
    if (p.y === null) {
      if (current.length) out.push(current);
      current = [];
    } else current.push({ x: p.x, y: p.y });
  }
  if (current.length) out.push(current);
  return out;
}

export function ImpactChart({
  id,
  title,
  valueHeading,
  points,
  note,
}: {
  id: string;
  title: string;
  valueHeading: string;
  points: TrendPoint[];
  /** Said under the chart, e.g. that the series does not cross scorecard versions. */
  note?: string | null;
}) {
  const drawn = points.filter((p) => p.value !== null).map((p) => p.value!);
  const max = Math.max(10_000 / 4, ...drawn);
  const top = Math.min(10_000, Math.ceil(max / 2_500) * 2_500);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const step = points.length > 1 ? innerW / (points.length - 1) : 0;
  const xy = points.map((p, i) => ({
    x: PAD.left + (points.length > 1 ? i * step : innerW / 2),
    y: p.value === null ? null : PAD.top + innerH - (p.value / top) * innerH,
  }));
  const ticks = [0, top / 2, top];
  const hasClients = points.some((p) => p.clients !== undefined);
  return (
    <figure className="impact-chart" aria-labelledby={`${id}-caption`}>
      <figcaption id={`${id}-caption`}>
        <strong>{title}</strong>
      </figcaption>
      <div className="impact-chart-body">
        <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${title}: the numbers are in the table beside the chart`} focusable="false">
          {ticks.map((t) => {
            const y = PAD.top + innerH - (t / top) * innerH;
            return (
              <g key={t}>
                <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} stroke="currentColor" strokeOpacity="0.15" />
                <text x={PAD.left - 4} y={y + 4} textAnchor="end" fontSize="10" fill="currentColor">
                  {`${Math.round(t / 100)}%`}
                </text>
              </g>
            );
          })}
          {segments(xy).map((seg, i) => (
            <polyline
              key={i}
              points={seg.map((p) => `${p.x},${p.y}`).join(" ")}
              fill="none"
              stroke="currentColor"
              strokeWidth="2"
            />
          ))}
          {xy.map((p, i) =>
            p.y === null ? null : <circle key={i} cx={p.x} cy={p.y} r="3" fill="currentColor" />,
          )}
          {points.length > 0 ? (
            <>
              <text x={PAD.left} y={HEIGHT - 6} fontSize="10" fill="currentColor">
                {points[0]!.label}
              </text>
              {points.length > 1 ? (
                <text x={WIDTH - PAD.right} y={HEIGHT - 6} fontSize="10" textAnchor="end" fill="currentColor">
                  {points.at(-1)!.label}
                </text>
              ) : null}
            </>
          ) : null}
        </svg>
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{title}, by quarter</caption>
            <thead>
              <tr>
                <th scope="col">Quarter</th>
                <th scope="col" className="num">
                  {valueHeading}
                </th>
                {hasClients ? (
                  <th scope="col" className="num">
                    Clients
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {points.map((p) => (
                <tr key={p.label}>
                  <th scope="row">{p.label}</th>
                  <td className="num">{p.text}</td>
                  {hasClients ? <td className="num">{p.clients ?? ""}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {note ? <p className="hint impact-chart-note">{note}</p> : null}
    </figure>
  );
}
