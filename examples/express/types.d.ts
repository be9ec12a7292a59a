// What the example's `authenticate` middleware puts on the request.
import type { SessionInfo, User } from '@plinto/mfa'

declare global {
  namespace Express {
    interface Request {
      /** Set by `authenticate`. */
      user: User
      /** Set by `authenticate`. */
      session: SessionInfo
      /** Set by `authenticate`: the session's bearer token (cookie or header). */
      sessionToken?: string
      /** Set by `requireStepUp`. */
      authorization?: unknown
    }
  }
}

export {}
