import type { PpiQuestion } from "~/lib/ppi.ts";

/** A scorecard's questions with every answer and its points, as an admin checks them. */
export function ScorecardQuestions({ questions }: { questions: readonly PpiQuestion[] }) {
  return (
    <ol>
      {questions.map((q) => (
        <li key={q.id}>
          {q.text}
          <ul>{q.answers.map((a) => <li key={a.id}>{a.id}. {a.text} — {a.points} points</li>)}</ul>
        </li>
      ))}
    </ol>
  );
}
