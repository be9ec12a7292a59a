// Words for what went wrong: the server's refusals, the network, the browser's key ceremonies.
import { ApiError } from './client.js'
import type { MfaTexts } from './texts.js'

/**
 * A readable message for anything thrown by the client or fetch: the words `texts.errors`
 * gives the refusal's code, else the server's own words, else `fallback`.
 */
export function errorMessage(err: unknown, fallback: string, texts: MfaTexts): string {
  if (err instanceof ApiError) {
    const own = err.code && Object.hasOwn(texts.errors, err.code) ? texts.errors[err.code] : undefined
    // "Invalid phoneNumber: Invalid phone number" reads better as its second half.
    return own ?? (/^Invalid \w+: (Invalid .+)$/.exec(err.message)?.[1] || err.message || fallback)
  }
  if (err instanceof TypeError) return texts.common.offline
  return fallback
}

/**
 * The error a password dialog shows for a failed action: "Wrong password." when the server
 * refused the password (by its code), else the failure's message.
 */
export function dialogError(err: unknown, fallback: string, texts: MfaTexts): Error {
  if (err instanceof ApiError && err.code === 'invalid_credentials') return new Error(texts.common.wrongPassword)
  return new Error(errorMessage(err, fallback, texts))
}

/**
 * Words for a browser-side failure of a key ceremony, or undefined when `err` is not one
 * (a server refusal, a network error). For privacy, browsers report "this key is not
 * registered here" the same way as "cancelled" and "timed out": NotAllowedError.
 */
export function webauthnErrorMessage(err: unknown, ceremony: 'register' | 'sign-in', texts: MfaTexts): string | undefined {
  if (!(err instanceof DOMException)) return undefined
  const words = texts.webauthn
  const register = ceremony === 'register'
  switch (err.name) {
    case 'NotAllowedError':
      return register ? words.registerNotAllowed : words.signInNotAllowed
    case 'InvalidStateError':
      return register ? words.registerInvalidState : words.signInInvalidState
    case 'AbortError':
      return words.aborted
    case 'SecurityError':
      return words.security
    case 'NotSupportedError':
      return words.notSupported
    case 'ConstraintError':
      return words.constraint
    default:
      return words.other(err.name)
  }
}
