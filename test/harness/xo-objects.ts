// `xo.objects` and the lookups built on it (xo.mjs): XO objects by id, with an index by XAPI ref.
// Changes are emitted as `add`/`update`/`remove` with an `{ id: object }` map, then `finish`, like the
// xo-collection xo-server uses (which batches them on the next tick; here each change is its own batch).
import { EventEmitter } from 'node:events'
import iteratee from 'lodash/iteratee'

import { noSuchObject } from './errors'
import type { XoObject } from './objects'

export type ObjectFilter = ((object: XoObject, id: string, all: Record<string, XoObject>) => boolean) | Record<string, unknown>

export class XoObjects extends EventEmitter {
  readonly all: Record<string, XoObject> = Object.create(null)
  readonly #byRef = new Map<string, XoObject>()

  get(id: string): XoObject | undefined {
    return this.all[id]
  }

  set(id: string, object: XoObject): void {
    const previous = this.all[id]
    if (previous !== undefined) this.#byRef.delete(previous._xapiRef)
    this.all[id] = object
    this.#byRef.set(object._xapiRef, object)
    this.#emitChange(previous === undefined ? 'add' : 'update', id, object)
  }

  unset(id: string): void {
    const previous = this.all[id]
    if (previous === undefined) return
    delete this.all[id]
    this.#byRef.delete(previous._xapiRef)
    this.#emitChange('remove', id, previous)
  }

  /** `xo.getObject(idOrRef, type?)`: `type` is a type or a list of types; throws `noSuchObject`. */
  getObject(key: string, type?: string | string[]): XoObject {
    const object = this.all[key] ?? this.#byRef.get(key)
    if (object === undefined) noSuchObject(key, type)
    const typeMatches = type == null || (Array.isArray(type) ? type.includes(object!.type) : type === object!.type)
    if (!typeMatches) noSuchObject(key, type)
    return object!
  }

  /** `xo.getObjects({ filter, limit })`: `filter` is a predicate or a lodash partial-match object. */
  getObjects({ filter, limit = Infinity }: { filter?: ObjectFilter; limit?: number } = {}): Record<string, XoObject> {
    if (filter === undefined && limit === Infinity) return this.all
    const predicate = filter === undefined ? () => true : iteratee(filter)
    const results: Record<string, XoObject> = Object.create(null)
    let remaining = limit
    for (const [id, object] of Object.entries(this.all)) {
      if (predicate(object, id, this.all)) {
        if (remaining-- <= 0) break
        results[id] = object
      }
    }
    return results
  }

  /** `xo.getObjectsByType(type, { filter, limit })`: `undefined` when no object has that type. */
  getObjectsByType(type: string, { filter, limit }: { filter?: ObjectFilter; limit?: number } = {}) {
    if (!Object.values(this.all).some(object => object.type === type)) return undefined
    const predicate = filter === undefined ? () => true : iteratee(filter)
    return this.getObjects({ filter: (object, id, all) => object.type === type && predicate(object, id, all), limit })
  }

  #emitChange(event: 'add' | 'update' | 'remove', id: string, object: XoObject): void {
    this.emit(event, { [id]: object })
    this.emit('finish')
  }
}
