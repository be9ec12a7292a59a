// A small typed client of the servers' HTTP contract (examples/contract/openapi.json): the
// browser side of the guide's `plinto.auth.*`. The session lives in the server's httpOnly
// cookie, so every call is a fetch with credentials. The servers also return the session's
// token (for clients without cookies); this client drops it, so the page never holds it.
import type {
  BackupCodes,
  CurrentSession,
  KeyAuthenticationOptions,
  KeyRegistrationOptions,
  KeyRegistrationResult,
  KeyRemovalResult,
  KeyType,
  MfaMethod,
  MfaSetupResult,
  MfaStatus,
  PushChallenge,
  PushStatus,
  RolloutPhase,
  RolloutStats,
  RolloutStatus,
  SecurityKey,
  Session,
  SignInResult,
  User,
  VerifyResult,
} from './types.js'
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from './webauthn.js'

/** Where the client sends its requests, and how. */
export interface MfaClientOptions {
  /** The server's origin (and path prefix), e.g. `https://api.example.com`; empty (the default) for the page's own origin. */
  baseUrl?: string
  /** The fetch to call (default: the global one), e.g. one that adds tracing. */
  fetch?: typeof fetch
  /** Whether cookies go with each request: `same-origin` (the default), or `include` for a server on another origin. */
  credentials?: RequestCredentials
  /** Headers added to every request (e.g. a CSRF token), or a function returning them per request. */
  headers?: Record<string, string> | (() => Record<string, string>)
}

/** A refused request, with the server's explanation: its status, its stable `code`, its body.
 * `message` is the server's own words, or empty when it gave none (e.g. a proxy's page). */
export class ApiError extends Error {
  readonly status: number
  readonly code?: string
  readonly body: unknown

  constructor(status: number, message: string, code?: string, body?: unknown) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.body = body
  }
}

interface Reply {
  status: number
  body: Record<string, unknown>
  headers: Headers
}

type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE'

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined)

/** The server's words for a refusal (at most 300 characters), or '' without any. */
function messageOf(reply: Reply): string {
  return (str(reply.body.details) ?? str(reply.body.error) ?? '').slice(0, 300)
}

function refusal(reply: Reply): ApiError {
  return new ApiError(reply.status, messageOf(reply), str(reply.body.code), reply.body)
}

/** The body without the session token the servers return for clients without cookies. */
function withoutToken(body: Record<string, unknown>): Record<string, unknown> {
  const { token: _token, ...rest } = body
  const session = rest.session
  if (session && typeof session === 'object') {
    const { token: _sessionToken, ...kept } = session as Record<string, unknown>
    rest.session = kept
  }
  return rest
}

/** An id as one path segment: ids are letters, digits, '-' and '_' (base64url, UUIDs), so
 * nothing else can reach the URL ('.' and '..' would move the request to another route). */
function segment(field: string, id: string): string {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(id)) throw new ApiError(400, `Invalid ${field}`, 'invalid_input', { code: 'invalid_input', field })
  return id
}

/** The client's calls, grouped as the guide's `auth` object is. */
export type MfaClient = ReturnType<typeof createMfaClient>

/** A client of the contract's routes at `options.baseUrl`. */
export function createMfaClient(options: MfaClientOptions = {}) {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '')
  const credentials = options.credentials ?? 'same-origin'

  async function send(method: HttpMethod, path: string, payload?: unknown): Promise<Reply> {
    const extra = typeof options.headers === 'function' ? options.headers() : options.headers
    const headers: Record<string, string> = { accept: 'application/json', ...extra }
    if (payload !== undefined) headers['content-type'] = 'application/json'
    const doFetch = options.fetch ?? globalThis.fetch
    const response = await doFetch(base + path, {
      method,
      credentials,
      headers,
      body: payload === undefined ? undefined : JSON.stringify(payload),
    })
    const text = await response.text()
    let body: Record<string, unknown> = {}
    try {
      const parsed: unknown = text ? JSON.parse(text) : {}
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) body = withoutToken(parsed as Record<string, unknown>)
    } catch {
      // Not JSON (a proxy's error page): nothing of it is shown to the user.
    }
    return { status: response.status, body, headers: response.headers }
  }

  async function call<T>(method: HttpMethod, path: string, payload?: unknown): Promise<T> {
    const reply = await send(method, path, payload)
    if (reply.status >= 400) throw refusal(reply)
    return reply.body as T
  }

  /** A check whose wrong answer (`wrongStatus` with attemptsRemaining) is a result, not an error. */
  async function verifyAt(path: string, wrongStatus: number, payload: unknown): Promise<VerifyResult> {
    const reply = await send('POST', path, payload)
    if (reply.status === 200) return reply.body as VerifyResult
    if (reply.status === wrongStatus && 'attemptsRemaining' in reply.body) {
      return {
        success: false,
        rateLimited: false,
        attemptsRemaining: num(reply.body.attemptsRemaining),
        retryAfter: num(reply.body.retryAfter),
        code: str(reply.body.code),
      }
    }
    if (reply.status === 429) {
      const header = Number(reply.headers.get('retry-after'))
      return {
        success: false,
        rateLimited: true,
        attemptsRemaining: 0,
        retryAfter: num(reply.body.retryAfter) ?? (Number.isFinite(header) && header > 0 ? header : undefined),
        code: str(reply.body.code),
      }
    }
    throw refusal(reply)
  }

  /** POST /api/auth/mfa/verify: 200 success, 401 wrong code, 429 locked out, else an error. */
  const verify = (payload: { sessionId?: string; method: MfaMethod; code: string }) => verifyAt('/api/auth/mfa/verify', 401, payload)

  return {
    auth: {
      signUp: (body: { email: string; password: string }) => call<{ success: true; user: User; session: Session }>('POST', '/api/auth/signup', body),

      signIn: (body: { email: string; password: string }) => call<SignInResult>('POST', '/api/auth/signin', body),

      signOut: () => call<{ success: boolean }>('POST', '/api/auth/signout', {}),

      /** The signed-in session (its user and enrollment standing), or null without one. */
      async currentSession(): Promise<CurrentSession | null> {
        const reply = await send('GET', '/api/auth/session')
        if (reply.status === 401 || reply.status === 403) return null
        if (reply.status >= 400) throw refusal(reply)
        return reply.body as unknown as CurrentSession
      },

      /** Starts setting up a method for the signed-in user. */
      enableMFA: (body: { method: MfaMethod; phoneNumber?: string; label?: string; deviceName?: string }) =>
        call<MfaSetupResult>('POST', '/api/auth/mfa/setup', body),

      /** Without sessionId: confirms a method being set up. With it: completes sign-in. */
      verifyMFA: (body: { sessionId?: string; method: MfaMethod; code: string }) => verify(body),

      getMFAStatus: () => call<MfaStatus>('GET', '/api/auth/mfa/status'),

      /** Needs the password and a current code (authenticator or backup code). */
      disableMFA: (body: { password: string; confirmationCode: string }) =>
        call<{ success: true; message: string }>('POST', '/api/auth/mfa/disable', body),

      regenerateMFABackupCodes: (body: { password: string }) => call<BackupCodes>('POST', '/api/auth/mfa/backup-codes/regenerate', body),

      mfa: {
        /** The guide's challenge: a code for a pending sign-in. */
        challenge: (body: { sessionId: string; method: MfaMethod; code: string }) => verify(body),

        /** Sends a new SMS or email code: for a pending sign-in (sessionId), else for the
         * method the signed-in user is setting up. */
        requestNewCode: (body: { sessionId?: string; method: MfaMethod }) =>
          call<{ success: boolean; expiresIn?: number }>('POST', '/api/auth/mfa/resend', body),

        /** Sends a push approval to the user's phones: for a pending sign-in (sessionId), else a
         * step-up of the signed-in session. 429 with retryAfter when pushes come too fast. */
        pushChallenge: (body: { sessionId?: string }) => call<PushChallenge>('POST', '/api/auth/mfa/push/challenge', body),

        /** Where a push approval stands; an approval sets the session cookie once. */
        pushStatus: (body: { sessionId?: string; challengeId: string }) => call<PushStatus>('POST', '/api/auth/mfa/push/status', body),

        /** Removes a push device (needs the password; the last factor also a current code). */
        removeFactor: async ({ factorId, ...confirmation }: { factorId: string; password: string; confirmationCode?: string }) =>
          call<KeyRemovalResult>('DELETE', `/api/auth/mfa/factors/${segment('factorId', factorId)}`, confirmation),
      },

      /** The rollout, for administrators (their session needs a recent MFA check). */
      rollout: {
        status: () => call<RolloutStatus>('GET', '/api/admin/rollout'),
        change: (body: { phase?: RolloutPhase; percentage?: number; promptLocations?: string[] }) =>
          call<RolloutStatus>('POST', '/api/admin/rollout', body),
        enforce: () => call<{ scanned: number; newlyRequired: number }>('POST', '/api/admin/rollout/enforce', {}),
        stats: (days = 14) => call<RolloutStats>('GET', `/api/admin/rollout/stats?days=${encodeURIComponent(String(days))}`),
      },

      /** Security keys (WebAuthn): the server's challenges and checks; the browser's part is in webauthn.ts. */
      webauthn: {
        /** 'securityKey' (USB/NFC, the default) or 'passkey' (this device's screen lock: user verification required). */
        registrationOptions: (body: { authenticatorType?: KeyType } = {}) =>
          call<KeyRegistrationOptions>('POST', '/api/auth/mfa/webauthn/register/options', body),

        /** Stores the key the browser just created, under `name`. */
        verifyRegistration: (body: { challengeId: string; credential: RegistrationResponseJSON; name?: string }) =>
          call<KeyRegistrationResult>('POST', '/api/auth/mfa/webauthn/register/verify', body),

        /** A challenge for a pending sign-in (sessionId), else for the signed-in session. */
        authenticationOptions: (body: { sessionId?: string }) =>
          call<KeyAuthenticationOptions>('POST', '/api/auth/mfa/webauthn/authenticate/options', body),

        /** 200 success (sets the session cookie), 400 a refused answer, 429 locked out. */
        verifyAuthentication: (body: { challengeId: string; credential: AuthenticationResponseJSON; sessionId?: string }) =>
          verifyAt('/api/auth/mfa/webauthn/authenticate/verify', 400, body),

        list: async () => (await call<{ credentials: SecurityKey[] }>('GET', '/api/auth/mfa/webauthn/credentials')).credentials,

        /** A new name (trimmed by the server; empty or over 128 bytes is refused). */
        rename: async ({ credentialId, name }: { credentialId: string; name: string }) =>
          call<{ success: boolean }>('PATCH', `/api/auth/mfa/webauthn/credentials/${segment('credentialId', credentialId)}`, { name }),

        /** Needs the password; the last second factor also a current (backup) code. */
        remove: async ({ credentialId, ...confirmation }: { credentialId: string; password: string; confirmationCode?: string }) =>
          call<KeyRemovalResult>('DELETE', `/api/auth/mfa/webauthn/credentials/${segment('credentialId', credentialId)}`, confirmation),
      },
    },
  }
}

/** Seconds to wait, when the server refused with 429 and said how long. */
export function retryAfterOf(err: unknown): number | undefined {
  if (!(err instanceof ApiError) || err.status !== 429) return undefined
  const body = err.body as { retryAfter?: unknown } | undefined
  return typeof body?.retryAfter === 'number' && body.retryAfter > 0 ? body.retryAfter : undefined
}
