import type { PreviewResult } from "./public-text-preview.tsx";

export type PublicReadingData = {
  purpose: PreviewResult;
  story: PreviewResult | null;
  storyWritten: boolean;
  consents: { who: string; role: string; live: string[] }[];
};

function Hidden({ words }: { words: string[] }) {
  return words.length ? (
    <p className="notice warning">Hidden from the public: {words.map((w) => `“${w}”`).join(", ")}.</p>
  ) : null;
}

/**
 * A loan's texts as the public reads them beside the live consents that decide
 * them: for the officer who wrote them and the admin who reviews them.
 */
export function PublicReading({ reading }: { reading: PublicReadingData }) {
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
          <h3>What the loan is for</h3>
          <p className="story">{reading.purpose.text}</p>
          <Hidden words={reading.purpose.hidden} />
          <h3>Story</h3>
          {reading.story ? (
            <>
              <p className="story">{reading.story.text}</p>
              <Hidden words={reading.story.hidden} />
            </>
          ) : (
            <p className="muted">{reading.storyWritten ? "Not shown: the story consent is not live." : "No story written."}</p>
          )}
        </div>
      </div>
    </section>
  );
}
