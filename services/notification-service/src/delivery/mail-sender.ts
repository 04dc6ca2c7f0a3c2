import { createTransport, Transporter } from 'nodemailer';
import { DeliveryError } from './delivery-error';

export const MAIL_SENDER = Symbol('MAIL_SENDER');

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  /** Stable id so a receiving system can spot a re-sent mail. */
  messageId: string;
}

export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export class SmtpMailSender implements MailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    timeoutMs: number,
  ) {
    const url = new URL(smtpUrl);
    this.transport = createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 25)),
      secure: url.protocol === 'smtps:',
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      logger: false,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    try {
      await this.transport.sendMail({
        from: this.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        messageId: mail.messageId,
        textEncoding: 'base64',
      });
    } catch (err) {
      const e = err as { responseCode?: number; code?: string; message?: string };
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
      const detail = e.responseCode ? `SMTP ${e.responseCode}` : (e.code ?? 'SMTP error');
      throw new DeliveryError(`${detail}: ${String(e.message ?? err).slice(0, 300)}`, permanent);
    }
  }

  close(): void {
    this.transport.close();
  }
}
