import { useEffect, useRef, useState } from "react";

export type PreviewResult = { text: string; hidden: string[] };

/**
 * A text as the public will read it, beside the field staff write it in, and
 * a warning naming each word that will be hidden. Without JavaScript it shows
 * what the server worked out for the saved (or just submitted) text; with it,
 * it asks the server again as the officer types, so there is one rule
 * (consent.server.ts readableText) and no copy of it in the browser.
 */
export function PublicTextPreview({
  partnerId,
  textField,
  about = "",
  aboutField,
  aboutGroupOrClient,
  as = "borrower",
  draftFields = false,
  groupDraft = false,
  initial,
  label = "As the public will read it",
}: {
  partnerId: string;
  /** The name of the textarea (or input) in the same form. */
  textField: string;
  /** "client:<id>" or "group:<id>" ("" for a client not yet saved); or `aboutField`, a select in the form that holds one. */
  about?: string;
  aboutField?: string;
  /** Or the fields of a form that names its owner as a group or a client select (an offering's). */
  aboutGroupOrClient?: { group: string; client: string };
  as?: "borrower" | "owner" | "client";
  /** The form also holds the client's name, other names, village and region: hide them as typed. */
  draftFields?: boolean;
  /** The form is a new group's: its name, village, region and the members ticked. */
  groupDraft?: boolean;
  initial: PreviewResult | null;
  label?: string;
}) {
  const [result, setResult] = useState<PreviewResult | null>(initial);
  const groupField = aboutGroupOrClient?.group;
  const clientField = aboutGroupOrClient?.client;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => setResult(initial), [initial]);
  useEffect(() => {
    const form = ref.current?.closest("form");
    if (!form) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    const update = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const data = new FormData(form);
        const body = new URLSearchParams();
        body.set("text", String(data.get(textField) ?? ""));
        const picked = (name: string) => String(data.get(name) ?? "");
        body.set(
          "about",
          groupField && clientField
            ? picked(groupField)
              ? `group:${picked(groupField)}`
              : picked(clientField)
                ? `client:${picked(clientField)}`
                : ""
            : aboutField
              ? picked(aboutField)
              : about,
        );
        body.set("as", as);
        if (draftFields) for (const name of ["fullName", "aliases", "village", "region"]) body.set(name, String(data.get(name) ?? ""));
        if (groupDraft) {
          body.set("groupName", String(data.get("name") ?? ""));
          for (const name of ["village", "region"]) body.set(name, String(data.get(name) ?? ""));
          for (const member of data.getAll("member")) body.append("member", String(member));
        }
        controller?.abort();
        controller = new AbortController();
        try {
          const response = await fetch(`/portal/${partnerId}/public-text`, { method: "POST", body, signal: controller.signal });
          if (response.ok) setResult((await response.json()) as PreviewResult);
        } catch {
          // A preview that could not be fetched (offline, aborted by the next keystroke) keeps the last one.
        }
      }, 250);
    };
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    return () => {
      clearTimeout(timer);
      controller?.abort();
      form.removeEventListener("input", update);
      form.removeEventListener("change", update);
    };
  }, [partnerId, textField, about, aboutField, groupField, clientField, as, draftFields, groupDraft]);

  return (
    <div className="public-preview" ref={ref} data-testid={`preview-${textField}`}>
      <p className="preview-label">
        <strong>{label}</strong>
      </p>
      {result && result.text ? (
        <>
          <p className="story">{result.text}</p>
          {/* Only the warning is announced as it changes, not the whole text at every pause in typing. */}
          {result.hidden.length ? (
            <p className="notice warning" role="status">
              Hidden from the public, because the client has not agreed to show them: {result.hidden.map((w) => `“${w}”`).join(", ")}. Record the
              client&apos;s name or location consent to show them.
            </p>
          ) : (
            <p className="hint" role="status">Nothing in it is hidden.</p>
          )}
        </>
      ) : (
        <p className="hint">Nothing written yet.</p>
      )}
    </div>
  );
}
