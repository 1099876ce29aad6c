// Reads the messages the app sends (over SMTP in integration tests, as .eml
// files in the e2e outbox) back into their parts. Enough MIME for what
// nodemailer writes: folded headers, encoded words, multipart, quoted-printable
// and base64 bodies.
import fs from "node:fs";
import path from "node:path";

export type ReadMail = { from: string; to: string; subject: string; text: string; html: string | null; raw: string };

type Part = { headers: Map<string, string>; body: string };

function splitPart(raw: string): Part {
  const normalised = raw.replace(/\r\n/g, "\n");
  const end = normalised.indexOf("\n\n");
  const head = end < 0 ? normalised : normalised.slice(0, end);
  const body = end < 0 ? "" : normalised.slice(end + 2);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\n[ \t]+/g, " ").split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeQuotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === "=" && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i]!, "utf8"));
    }
  }
  return Buffer.from(bytes);
}

function decodeBody(part: Part): string {
  const encoding = (part.headers.get("content-transfer-encoding") ?? "7bit").toLowerCase();
  if (encoding === "base64") return Buffer.from(part.body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (encoding === "quoted-printable") return decodeQuotedPrintable(part.body).toString("utf8");
  return part.body;
}

/** =?UTF-8?Q?…?= and =?UTF-8?B?…?= words, as nodemailer writes non-ASCII subjects and names. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_, _charset: string, kind: string, data: string) =>
      kind.toUpperCase() === "B"
        ? Buffer.from(data, "base64").toString("utf8")
        : decodeQuotedPrintable(data.replace(/_/g, " ")).toString("utf8"),
    );
}

function leaves(part: Part): Part[] {
  const type = part.headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (!type.toLowerCase().startsWith("multipart/") || !boundary) return [part];
  const sections = part.body.split(`--${boundary}`).slice(1);
  return sections.filter((s) => !s.startsWith("--")).flatMap((s) => leaves(splitPart(s.replace(/^\n/, ""))));
}

export function readMail(raw: string): ReadMail {
  const message = splitPart(raw);
  const parts = leaves(message);
  const ofType = (type: string) => parts.find((p) => (p.headers.get("content-type") ?? "text/plain").toLowerCase().startsWith(type));
  const text = ofType("text/plain");
  const html = ofType("text/html");
  return {
    from: decodeWords(message.headers.get("from") ?? ""),
    to: decodeWords(message.headers.get("to") ?? ""),
    subject: decodeWords(message.headers.get("subject") ?? ""),
    text: text ? decodeBody(text).replace(/\n$/, "") : "",
    html: html ? decodeBody(html) : null,
    raw,
  };
}

/** Every .eml file in an outbox folder, oldest first. */
export function readOutbox(dir: string): ReadMail[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".eml"))
    .sort()
    .map((name) => readMail(fs.readFileSync(path.join(dir, name), "utf8")));
}

/** The first http(s) link in a text that starts with the given prefix path, e.g. "/invites/". */
export function linkIn(text: string, pathPrefix: string): string {
  const match = new RegExp(`https?://[^\\s<>"]+${pathPrefix.replace(/[/.]/g, "\\$&")}[^\\s<>"]*`).exec(text);
  if (!match) throw new Error(`No link to ${pathPrefix}… in:\n${text}`);
  return match[0];
}
