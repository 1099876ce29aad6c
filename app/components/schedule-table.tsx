import { formatMoney } from "~/lib/money.ts";

export type ScheduleView = {
  currency: string;
  rows: { number: number; dueDate: string; principal: string; interest: string; total: string; balanceAfter: string }[];
  totalInterest: string;
  totalRepaid: string;
  aprBps: number;
};

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

/** The borrower's repayment schedule, in the currency they repay in. */
export function ScheduleTable({ schedule, caption }: { schedule: ScheduleView; caption: string }) {
  const m = (v: string) => formatMoney(BigInt(v), schedule.currency);
  return (
    <div className="table-scroll">
      <p>
        Total interest {m(schedule.totalInterest)}; total repaid {m(schedule.totalRepaid)}. The borrower's APR:{" "}
        <strong>{(schedule.aprBps / 100).toFixed(2)}%</strong>.
      </p>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Due</th>
            <th scope="col" className="num">Principal</th>
            <th scope="col" className="num">Interest</th>
            <th scope="col" className="num">Instalment</th>
            <th scope="col" className="num">Still owed</th>
          </tr>
        </thead>
        <tbody>
          {schedule.rows.map((r) => (
            <tr key={r.number}>
              <td>{r.number}</td>
              <td>{dateFormat.format(new Date(r.dueDate))}</td>
              <td className="num">{m(r.principal)}</td>
              <td className="num">{m(r.interest)}</td>
              <td className="num">{m(r.total)}</td>
              <td className="num">{m(r.balanceAfter)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
