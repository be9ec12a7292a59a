// ES module entry: the same objects as the CommonJS entry.
import cjs from './index.js'

export const {
  createPlinto,
  plinto,
  MfaError,
  DestinationRejected,
  MFA_ERROR_CODES,
  MfaLevel,
  requireMfa,
  requireStepUp,
  parseOtpauthUri,
  authenticatorCode,
  pushPhoneKey,
  parsePushEnrollment,
  pushRegistration,
  pinPushServerKey,
  pushPoll,
  openPushChallenge,
  pushAnswer,
} = cjs
export default cjs
