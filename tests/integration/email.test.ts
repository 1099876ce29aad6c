import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { createMailer, sendEmail, trySendEmail } from "~/utils/email.server.ts";
import { EnvError, parseEnv } from "~/utils/env.server.ts";
import { readOutbox } from "../support/mail.ts";
import { smtpServerForFile } from "../support/smtp.ts";

const smtp = smtpServerForFile({ rejectRecipients: /@refused\.test$/ });

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
    return [];
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
}

describe("email configuration", () => {
  it("names SMTP_URL or MAIL_FROM when they are wrong, and writes to data/outbox by default", () => {
    expect(problems({ SMTP_URL: "http://mail.example.com" })[0]).toMatch(/^SMTP_URL: must be an SMTP URL/);
    expect(problems({ SMTP_URL: "mail.example.com:587" })[0]).toMatch(/^SMTP_URL: /);
    expect(problems({ MAIL_FROM: "Mavuno" })[0]).toMatch(/^MAIL_FROM: must be an address/);
    const env = parseEnv({});
    expect(env.SMTP_URL).toBeUndefined();
    expect(env.OUTBOX_DIR).toBe("data/outbox");
    expect(env.MAIL_FROM).toMatch(/<.+@.+>/);
    expect(parseEnv({ SMTP_URL: "smtps://user:secret@mail.example.com:465" }).SMTP_URL).toMatch(/^smtps:/);
  });
});

describe("sendEmail over SMTP", () => {
  it("delivers text and HTML, with a non-ASCII subject, to a real SMTP server", async () => {
    const sent = await sendEmail({
      to: "wanjiru@example.test",
      subject: "Karibu — your invitation to Umoja",
      text: "Hello Wanjiru,\n\nOpen this link: http://localhost:3000/invites/abc234\n",
      html: "<p>Hello Wanjiru,</p><p><a href=\"http://localhost:3000/invites/abc234\">Open</a></p>",
    });
    expect(sent.via).toBe("smtp");
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes("wanjiru@example.test"));
    expect(mail.subject).toBe("Karibu — your invitation to Umoja");
    expect(mail.from).toMatch(/no-reply@/);
    expect(mail.text).toContain("http://localhost:3000/invites/abc234");
    expect(mail.html).toContain("<a href=\"http://localhost:3000/invites/abc234\">");
  });

  it("fails loudly when the server refuses the recipient; trySendEmail logs it and answers false", async () => {
    await expect(sendEmail({ to: "nobody@refused.test", subject: "Hi", text: "Hi" })).rejects.toThrow(/550|Mailbox unavailable/);
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      expect(await trySendEmail({ to: "nobody@refused.test", subject: "Approved", text: "Hi" })).toBe(false);
      expect(warn).toHaveBeenCalledWith(expect.stringMatching(/could not send "Approved" to nobody@refused\.test/));
    } finally {
      warn.mockRestore();
    }
    expect(await trySendEmail({ to: "somebody@example.test", subject: "Approved", text: "Hi" })).toBe(true);
    expect(smtp.received.some((m) => m.envelopeTo.includes("nobody@refused.test"))).toBe(false);
  });
});

describe("the outbox (no SMTP configured)", () => {
  it("writes each email as an .eml file a person or a test can open", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mavuno-outbox-"));
    try {
      const mailer = createMailer({ from: "Mavuno <no-reply@mavuno.test>", outboxDir: path.join(dir, "outbox") });
      const first = await mailer.send({ to: "a@example.test", subject: "First", text: "One" });
      await mailer.send({ to: "b@example.test", subject: "Second", text: `A long line that must survive encoding: ${"x".repeat(120)} end` });
      expect(first.via).toBe("outbox");
      expect(fs.readdirSync(path.join(dir, "outbox"))).toHaveLength(2);
      const mails = readOutbox(path.join(dir, "outbox"));
      expect(mails.map((m) => [m.to, m.subject])).toEqual([
        ["a@example.test", "First"],
        ["b@example.test", "Second"],
      ]);
      expect(mails[1]!.text).toBe(`A long line that must survive encoding: ${"x".repeat(120)} end`);
      expect(smtp.received.some((m) => m.subject === "First")).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
