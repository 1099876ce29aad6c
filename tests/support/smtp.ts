// A real SMTP server on 127.0.0.1 for integration tests: the app's mailer
// talks to it over the wire, exactly as it would to a provider, and the test
// reads what arrived.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll } from "vitest";
import { getEnv } from "~/utils/env.server.ts";
import { readMail, type ReadMail } from "./mail.ts";

export type ReceivedMail = ReadMail & { envelopeTo: string[] };

export type TestSmtpServer = {
  url: string;
  received: ReceivedMail[];
  /** Waits for the first message (already arrived or still to come) matching the predicate. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  close(): Promise<void>;
};

export type SmtpServerOptions = {
  /** Recipients the server refuses with 550, as a real one does for a mailbox that does not exist. */
  rejectRecipients?: RegExp;
};

export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    // Plain text on loopback: no certificate to manage, nothing leaves the machine.
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipients?.test(address.address)) {
        const error = new Error("Mailbox unavailable") as Error & { responseCode: number };
        error.responseCode = 550;
        return callback(error);
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        received.push({ ...readMail(Buffer.concat(chunks).toString("utf8")), envelopeTo });
        for (const wake of waiters) wake();
        callback();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;

  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    waitFor(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = received.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No matching email within ${timeoutMs} ms; received: ${received.map((m) => `${m.to}: ${m.subject}`).join("; ") || "none"}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Points the app's mailer at a fresh test server. Must run before anything in
 * the test file reads the environment, which is read once per module graph.
 */
export async function startSmtpServerForApp(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const smtp = await startSmtpServer(options);
  const previous = process.env.SMTP_URL;
  process.env.SMTP_URL = smtp.url;
  if (getEnv().SMTP_URL !== smtp.url) {
    throw new Error("The environment was read before the test SMTP server was set up; call startSmtpServerForApp() in the first beforeAll.");
  }
  return {
    ...smtp,
    close: async () => {
      if (previous === undefined) delete process.env.SMTP_URL;
      else process.env.SMTP_URL = previous;
      await smtp.close();
    },
  };
}

/**
 * For a test file whose code sends email: a server for the whole file, started
 * before its tests (and before anything reads the environment) and closed after.
 */
export function smtpServerForFile(options: SmtpServerOptions = {}): TestSmtpServer {
  let server: TestSmtpServer | undefined;
  beforeAll(async () => {
    server = await startSmtpServerForApp(options);
  });
  afterAll(async () => {
    await server?.close();
  });
  const live = () => {
    if (!server) throw new Error("The test SMTP server is only there while the file's tests run.");
    return server;
  };
  return {
    get url() {
      return live().url;
    },
    get received() {
      return live().received;
    },
    waitFor: (predicate, timeoutMs) => live().waitFor(predicate, timeoutMs),
    close: () => live().close(),
  };
}
