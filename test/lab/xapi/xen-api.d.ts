// The parts of the `xen-api` npm client (ESM, untyped) the simulator's tests use.
declare module 'xen-api' {
  export interface XapiObject {
    readonly $type: string
    readonly $ref: string
    readonly [field: string]: unknown
  }

  export interface Xapi {
    connect(): Promise<void>
    disconnect(): Promise<void>
    watchEvents(): void
    barrier(ref?: string): Promise<void>
    call(method: string, ...args: unknown[]): Promise<unknown>
    readonly status: 'disconnected' | 'connecting' | 'connected'
    readonly pool: XapiObject
    readonly objects: { readonly all: Record<string, XapiObject> }
    readonly objectsFetched: Promise<void>
    on(event: string, listener: (...args: unknown[]) => void): void
    _url: { hostname: string }
  }

  export function createClient(options: Record<string, unknown>): Xapi
}
