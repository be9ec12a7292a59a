// ES module entry: the same objects as the CommonJS entry.
import cjs from './index.js'

export const { createPlinto, plinto, MfaError, MFA_ERROR_CODES, MfaLevel, requireMfa, parseOtpauthUri, authenticatorCode } =
  cjs
export default cjs
