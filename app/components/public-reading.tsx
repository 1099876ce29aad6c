import type { PreviewResult } from "./public-text-preview.tsx";

export type PublicReadingData = {
  texts: Record<string, PreviewResult>;
  story: PreviewResult | null;
  storyWritten: boolean;
  consents: { who: string; role: string; live: string[] }[];
};

function Reading({ result }: { result: PreviewResult }) {
  return (
    <>
      <p className="story">{result.text || "—"}</p>
      {result.hidden.length ? <p className="notice warning">Hidden from the public: {result.hidden.map((w) => `“${w}”`).join(", ")}.</p> : null}
    </>
  );
}

/**
 * Texts as the public reads them beside the live consents that decide them:
 * for the officer who wrote them and the admin who reviews them. `headings`
 * names each text in `reading.texts`, in order.
 */
export function PublicReading({ reading, headings }: { reading: PublicReadingData; headings: Record<string, string> }) {
  return (
    <section aria-labelledby="public-reading-title" className="public-reading">
      <h2 id="public-reading-title">What the public will read</h2>
      <div className="side-by-side">
        <div>
          <h3>Live consents</h3>
          <ul>
            {reading.consents.map((c, i) => (
              <li key={i}>
                {c.who} ({c.role}): {c.live.length ? c.live.join(", ") : "none"}
              </li>
            ))}
          </ul>
        </div>
        <div>
          {Object.entries(headings).map(([field, heading]) =>
            reading.texts[field] ? (
              <div key={field}>
                <h3>{heading}</h3>
                <Reading result={reading.texts[field]!} />
              </div>
            ) : null,
          )}
          <h3>Story</h3>
          {reading.story ? (
            <Reading result={reading.story} />
          ) : (
            <p className="muted">{reading.storyWritten ? "Not shown: the story consent is not live." : "No story written."}</p>
          )}
        </div>
      </div>
    </section>
  );
}
