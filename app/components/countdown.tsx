import { useEffect, useState } from "react";

function format(ms: number) {
  if (ms <= 0) return "expired";
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `${minutes}:${String(seconds).padStart(2, "0")} left`;
}

/**
 * Time left on a reservation. Rendered from the server's clock first (so the
 * page reads the same without JavaScript), then ticks each second.
 */
export function Countdown({ until, serverNow }: { until: string; serverNow: string }) {
  const end = new Date(until).getTime();
  const [now, setNow] = useState(() => new Date(serverNow).getTime());
  useEffect(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const time = new Date(until).toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  return (
    <span>
      <span role="timer" aria-live="off">{format(end - now)}</span> <span className="muted">(until {time} UTC)</span>
    </span>
  );
}
