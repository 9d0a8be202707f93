// The `xo.sendEmail()` that the transport-email plugin defines on xo when it is loaded
// (`xo.defineProperty('sendEmail', this._sendEmail, this)`), recording each mail instead of sending it.
// Without that plugin, `xo.sendEmail` does not exist: `uninstall()` gives a test that situation.

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

type DefineProperty = (name: string, value: unknown, thisArg?: unknown) => () => void

export class EmailTransport {
  /** Every mail accepted, oldest first. */
  readonly sent: Email[] = []
  #failure: Error | undefined
  #remove: (() => void) | undefined

  install(defineProperty: DefineProperty): void {
    if (this.#remove !== undefined) return
    this.#remove = defineProperty('sendEmail', this.#send, this)
  }

  uninstall(): void {
    this.#remove?.()
    this.#remove = undefined
  }

  /** Makes every following send fail with `error` (as an SMTP failure would), until called with `undefined`. */
  failWith(error: Error | undefined): void {
    this.#failure = error
  }

  // Keeps only the fields transport-email passes to nodemailer, dropping undefined ones.
  #send = async ({ from, to, cc, bcc, html, subject, markdown, attachments }: Email): Promise<void> => {
    if (this.#failure !== undefined) throw this.#failure
    const mail = Object.fromEntries(
      Object.entries({ from, to, cc, bcc, html, subject, markdown, attachments }).filter(([, value]) => value !== undefined)
    )
    this.sent.push(structuredClone(mail) as Email)
  }
}
