// A real SMTP server on loopback that keeps what it receives, parsed, for mail tests.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';

export interface MailSink {
  url: string;
  messages: ParsedMail[];
  /** Resolves with the next message to `to` (waiting for it if needed). */
  waitFor(to: string, timeoutMs?: number): Promise<ParsedMail>;
  close(): Promise<void>;
}

/** startMailSink listens on a free loopback port. */
export async function startMailSink(): Promise<MailSink> {
  const messages: ParsedMail[] = [];
  const waiters: Array<{ to: string; resolve: (m: ParsedMail) => void }> = [];
  const taken = new Set<ParsedMail>();
  const recipients = (m: ParsedMail) =>
    (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream).then((mail) => {
        messages.push(mail);
        const i = waiters.findIndex((w) => recipients(mail).includes(w.to));
        if (i >= 0) {
          taken.add(mail);
          waiters.splice(i, 1)[0].resolve(mail);
        }
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    waitFor(to, timeoutMs = 10_000) {
      const address = to.toLowerCase();
      const ready = messages.find((m) => !taken.has(m) && recipients(m).includes(address));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no mail to ${to} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ to: address, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
