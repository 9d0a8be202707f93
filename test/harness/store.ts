// `xo.getStore(namespace)`: in xo-server a LevelDB sublevel with JSON values under `<datadir>/leveldb`.
// Here a JSON file per namespace in the harness' data dir, with the calls plugins make: `get` (rejects
// with a `notFound` error like level), `has`, `put`, `del`, `iterator()` over `[key, value]` in key
// order, and `close`.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export class NotFoundError extends Error {
  readonly notFound = true
  readonly type = 'NotFoundError'
  readonly code = 'LEVEL_NOT_FOUND'
  constructor(key: string) {
    super(`Key not found in database [${key}]`)
  }
}

export class JsonStore {
  readonly #file: string
  #entries: Map<string, unknown> | undefined
  #writes: Promise<void> = Promise.resolve()

  constructor(file: string) {
    this.#file = file
  }

  async get(key: string): Promise<unknown> {
    const entries = await this.#load()
    if (!entries.has(key)) throw new NotFoundError(key)
    return structuredClone(entries.get(key))
  }

  async has(key: string): Promise<boolean> {
    return (await this.#load()).has(key)
  }

  async put(key: string, value: unknown): Promise<void> {
    // JSON round trip: what LevelDB's JSON encoding would store and give back.
    ;(await this.#load()).set(key, JSON.parse(JSON.stringify(value)))
    await this.#save()
  }

  async del(key: string): Promise<void> {
    ;(await this.#load()).delete(key)
    await this.#save()
  }

  async *iterator(): AsyncGenerator<[string, unknown]> {
    const entries = await this.#load()
    for (const key of [...entries.keys()].sort()) yield [key, structuredClone(entries.get(key))]
  }

  async close(): Promise<void> {
    await this.#writes
  }

  async #load(): Promise<Map<string, unknown>> {
    if (this.#entries === undefined) {
      const text = await readFile(this.#file, 'utf8').catch(error => (error.code === 'ENOENT' ? '{}' : Promise.reject(error)))
      this.#entries ??= new Map(Object.entries(JSON.parse(text)))
    }
    return this.#entries
  }

  // Writes are serialized and atomic (temp file + rename), so a reader never sees half a file.
  #save(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.#entries!))
    this.#writes = this.#writes.then(async () => {
      await writeFile(this.#file + '.tmp', snapshot)
      await rename(this.#file + '.tmp', this.#file)
    })
    return this.#writes
  }
}

export class Stores {
  readonly #dir: string
  readonly #stores = new Map<string, JsonStore>()

  constructor(dir: string) {
    this.#dir = dir
  }

  async getStore(namespace: string): Promise<JsonStore> {
    let store = this.#stores.get(namespace)
    if (store === undefined) {
      await mkdir(this.#dir, { recursive: true, mode: 0o700 })
      store = new JsonStore(join(this.#dir, encodeURIComponent(namespace) + '.json'))
      this.#stores.set(namespace, store)
    }
    return store
  }
}
