// The app's client of the Express example's routes: @plinto/mfa-react's, on this page's own
// origin (the session lives in the server's httpOnly `session` cookie).
import { createMfaClient, defaultTexts, errorMessage as describeError } from '@plinto/mfa-react'

export { ApiError } from '@plinto/mfa-react'
export type { MfaEnrollment, MfaMethod, RolloutPhase, RolloutStats, RolloutStatus, User } from '@plinto/mfa-react'

export const api = createMfaClient()

/** A readable message for anything the client or fetch threw, in the package's words. */
export const errorMessage = (err: unknown, fallback: string) => describeError(err, fallback, defaultTexts)
