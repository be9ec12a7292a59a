// What the user is told when the core refuses something: the stable code and its message.
import { MfaError } from '@plinto/mfa-react-native'

/** A line for the screen: `invalid_input: …` for the core's errors, the message otherwise. */
export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return MfaError.instanceOf(error) ? `${MfaError.code(error)}: ${message}` : message
}
