// The `xo.sendEmail()` that the transport-email plugin defines on xo when it is loaded
// (`xo.defineProperty('sendEmail', this._sendEmail, this)`), recording each mail instead of sending it.
// Without that plugin, `xo.sendEmail` does not exist: `uninstall()` gives a test that situation.
import { RecordingTransport } from './transports'

export interface Email {
  from?: string
  to?: string | string[]
  cc?: string | string[]
  bcc?: string | string[]
  subject?: string
  markdown?: string
  html?: string
  attachments?: Array<{ filename: string; content: string | Buffer }>
}

export class EmailTransport extends RecordingTransport<Email> {
  constructor() {
    // Keeps only the fields transport-email passes to nodemailer, dropping undefined ones.
    super('sendEmail', ({ from, to, cc, bcc, html, subject, markdown, attachments }: Email) =>
      Object.fromEntries(Object.entries({ from, to, cc, bcc, html, subject, markdown, attachments }).filter(([, value]) => value !== undefined))
    )
  }

  /** Every mail accepted, oldest first. */
  get sent(): Email[] {
    return this.calls
  }
}
