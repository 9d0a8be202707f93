// Stand-ins for xo-server's transport plugins. Each, like the real plugin's load(), defines its method on
// xo (`xo.defineProperty`), takes the arguments the real one takes (xen-orchestra's
// packages/xo-server-transport-*/src/index.js) and records each call instead of sending it; unload()
// removes the method, so that `xo.<method>` is undefined as without the plugin. A test can make the
// next calls fail or never answer.

type DefineProperty = (name: string, value: unknown, thisArg?: unknown) => () => void

export class RecordingTransport<Call> {
  /** Every call accepted, oldest first. */
  readonly calls: Call[] = []
  #failure: Error | undefined
  #hanging = false
  #remove: (() => void) | undefined

  constructor(
    readonly method: string,
    /** What the real plugin does with its arguments, up to the network: returns the call to record, or throws as it would. */
    private readonly accept: (...args: any[]) => Call,
    /** transport-xmpp returns nothing; the others a promise. */
    private readonly synchronous = false
  ) {}

  install(defineProperty: DefineProperty): void {
    if (this.#remove !== undefined) return
    this.#remove = defineProperty(this.method, this.#send, this)
  }

  uninstall(): void {
    this.#remove?.()
    this.#remove = undefined
  }

  /** Makes every following call fail with `error` (an SMTP, webhook or NSCA failure), until called with `undefined`. */
  failWith(error: Error | undefined): void {
    this.#failure = error
  }

  /** Makes every following call never settle (a server that accepts the connection and never answers), until called with false. */
  hang(hanging = true): void {
    this.#hanging = hanging
  }

  #send = (...args: unknown[]): unknown => {
    if (this.#failure !== undefined) {
      if (this.synchronous) throw this.#failure
      return Promise.reject(this.#failure)
    }
    if (this.#hanging) return new Promise(() => {})
    const call = this.accept(...args)
    this.calls.push(structuredClone(call))
    return this.synchronous ? undefined : Promise.resolve()
  }
}

export interface SlackCall {
  message: string
}

export interface XmppCall {
  to: string[]
  message: string
}

export interface NagiosCall {
  message: string
  status: number
  /** What the plugin's `{vm.name_label}` and `{job.name}` templates receive (its default host and service names). */
  host: string
  service: string
}

export interface Icinga2Call {
  message: string
  status: string
  /** What the plugin posts to Icinga2's process-check-result. */
  exit_status: number
}

const ICINGA2_STATUS: Readonly<Record<string, number>> = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 }

/** transport-slack: `sendSlackMessage({ message })` posts `message` as the webhook's text. */
export const slackTransport = () => new RecordingTransport<SlackCall>('sendSlackMessage', ({ message }: SlackCall) => ({ message }))

/** transport-xmpp: `sendToXmppClient({ to, message })` sends one chat message per JID of `to`, synchronously. */
export const xmppTransport = () =>
  new RecordingTransport<XmppCall>(
    'sendToXmppClient',
    ({ to, message }: XmppCall) => {
      const receivers = [...to] // the plugin iterates `to`: a string would be sent letter by letter
      return { to: receivers, message }
    },
    true
  )

/** transport-nagios: `sendPassiveCheck({ message, status }, host, service)` writes an NSCA packet (status as a 16-bit integer). */
export const nagiosTransport = () =>
  new RecordingTransport<NagiosCall>('sendPassiveCheck', ({ message, status }: { message: string; status: number }, host: string, service: string) => {
    if (!Number.isInteger(status)) throw new TypeError(`The "value" argument must be of type number. Received ${typeof status}`)
    return { message, status, host, service }
  })

/** transport-icinga2: `sendIcinga2Status({ message, status })` asserts that `status` is one of Icinga2's names. */
export const icinga2Transport = () =>
  new RecordingTransport<Icinga2Call>('sendIcinga2Status', ({ message, status }: { message: string; status: string }) => {
    const exitStatus = ICINGA2_STATUS[status]
    if (exitStatus === undefined) throw new Error(`Invalid icinga2 status: ${status}`)
    return { message, status, exit_status: exitStatus }
  })

export function alertTransports() {
  return { slack: slackTransport(), xmpp: xmppTransport(), nagios: nagiosTransport(), icinga2: icinga2Transport() }
}

export type AlertTransports = ReturnType<typeof alertTransports>
