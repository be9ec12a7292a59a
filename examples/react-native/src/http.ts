// The phone's requests to the server's push routes (`/api/push/register`, `pending`,
// `respond`): each body is one signed string the core made, so none needs a session.

/** POSTs `{ [field]: value }` to `server/path`; the answer's JSON, or an error naming it. */
export async function post<T>(server: string, path: string, field: string, value: string): Promise<T> {
  const response = await fetch(`${server.replace(/\/+$/, '')}/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ [field]: value }),
  })
  const body: unknown = await response.json().catch(() => null)
  if (!response.ok) {
    const code = typeof body === 'object' && body !== null && 'code' in body ? String(body.code) : ''
    throw new Error(`the server answered ${response.status}${code ? `: ${code}` : ''}`)
  }
  return body as T
}
