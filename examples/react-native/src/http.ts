// The phone's requests to the server's push routes (`/api/push/register`, `pending`,
// `respond`): each body is one signed string the core made, so none needs a session.

/** How long a request may take before it is given up. */
const TIMEOUT_MS = 15_000

/** POSTs `{ [field]: value }` to `server/path`; the answer's JSON, or an error naming it. */
export async function post<T>(server: string, path: string, field: string, value: string): Promise<T> {
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), TIMEOUT_MS)
  try {
    const response = await fetch(`${server.replace(/\/+$/, '')}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ [field]: value }),
      signal: abort.signal,
    })
    const body: unknown = await response.json().catch(() => null)
    if (!response.ok) {
      const code = typeof body === 'object' && body !== null && 'code' in body ? String(body.code) : ''
      throw new Error(`the server answered ${response.status}${code ? `: ${code}` : ''}`)
    }
    return body as T
  } catch (e) {
    if (abort.signal.aborted) throw new Error(`the server did not answer within ${TIMEOUT_MS / 1000} s`)
    throw e
  } finally {
    clearTimeout(timer)
  }
}

/** https anywhere, or plain http to this machine or the Android emulator's host; no userinfo. */
const ALLOWED = /^(?:https:\/\/[^\s@/?#]+|http:\/\/(?:localhost|127\.0\.0\.1|10\.0\.2\.2)(?::\d{1,5})?)(?:[/?#][^\s@]*)?$/i

/**
 * Whether the phone may talk to `url`: https, or plain http to this machine or the Android
 * emulator's host (a developer's server), and never with userinfo (`user@host`), which would
 * hide the real host. A URL a QR code names is checked by the core; this covers one typed by
 * hand.
 */
export function serverAllowed(url: string): boolean {
  return ALLOWED.test(url)
}
