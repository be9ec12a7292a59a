import { useRef } from 'react'

/** A ref always holding the latest `value`: effects read it without re-running when it changes
 * (e.g. a `texts` object a host re-creates on every render). */
export function useLatest<T>(value: T): { readonly current: T } {
  const ref = useRef(value)
  ref.current = value
  return ref
}
