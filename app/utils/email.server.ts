// The one way Mavuno sends email. With SMTP_URL set, through that server.
// Without it, nodemailer still composes the real message and it is written as
// an .eml file under OUTBOX_DIR: the demo can open it, the e2e tests read it,
// and nothing is ever sent by accident from a machine with no mail set up.
import crypto from "node:crypto";
import fs from "node:fs/promises";
import path from "node:path";
import nodemailer from "nodemailer";
import { getEnv } from "./env.server.ts";

export type Email = { to: string; subject: string; text: string; html?: string };

export type SentEmail = { messageId: string } & ({ via: "smtp" } | { via: "outbox"; file: string });

export type MailerConfig = { from: string } & ({ smtpUrl: string } | { outboxDir: string });

export type Mailer = { send(email: Email): Promise<SentEmail>; close(): void };

export function createMailer(config: MailerConfig): Mailer {
  if ("smtpUrl" in config) {
    // Nodemailer's defaults wait minutes for a silent server; a page waiting on an email should not.
    const transport = nodemailer.createTransport({
      url: config.smtpUrl,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
    return {
      async send(email) {
        const info = await transport.sendMail({ from: config.from, ...email });
        return { via: "smtp", messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const { outboxDir } = config;
  return {
    async send(email) {
      const info = await transport.sendMail({ from: config.from, ...email });
      await fs.mkdir(outboxDir, { recursive: true });
      // Sortable by time; the random part keeps two emails in one millisecond apart.
      const name = `${new Date().toISOString().replace(/[:.]/g, "-")}-${crypto.randomBytes(4).toString("hex")}.eml`;
      const file = path.join(outboxDir, name);
      await fs.writeFile(file, info.message as Buffer, { flag: "wx" });
      return { via: "outbox", file, messageId: info.messageId };
    },
    close: () => transport.close(),
  };
}

let mailer: Mailer | undefined;

export function sendEmail(email: Email): Promise<SentEmail> {
  if (!mailer) {
    const env = getEnv();
    mailer = createMailer(
      env.SMTP_URL ? { from: env.MAIL_FROM, smtpUrl: env.SMTP_URL } : { from: env.MAIL_FROM, outboxDir: path.resolve(env.OUTBOX_DIR) },
    );
  }
  return mailer.send(email);
}

/**
 * For an email that reports a change already made (an approval, an invitation,
 * a funded loan): a mail server being down must not undo the change, so a
 * failed send is logged and answered with false instead of thrown.
 */
export async function trySendEmail(email: Email): Promise<boolean> {
  try {
    await sendEmail(email);
    return true;
  } catch (error) {
    console.warn(`mavuno: could not send "${email.subject}" to ${email.to}: ${(error as Error).message}`);
    return false;
  }
}

/** Links in emails must point at the public site, which behind a proxy is not the address the request came to. */
export function publicOrigin(request: Request): string {
  const configured = getEnv().APP_ORIGIN;
  return configured ? new URL(configured).origin : new URL(request.url).origin;
}
