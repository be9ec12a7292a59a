// @plinto/mfa-react: the guide's React components and hook over a typed client of the
// servers' HTTP contract. Import the look with `import '@plinto/mfa-react/styles.css'`.
export { ApiError, createMfaClient, retryAfterOf, type MfaClient, type MfaClientOptions } from './client.js'
export { MfaProvider, useMfaClient, useMfaTexts, type MfaProviderProps } from './context.js'
export { BackupCodes, type BackupCodesProps } from './components/BackupCodes.js'
export { ConfirmDialog, type ConfirmDialogProps, type ConfirmValues } from './components/ConfirmDialog.js'
export { MfaChallenge, type MfaChallengeProps } from './components/MfaChallenge.js'
export { MfaSettings, type MfaSettingsProps } from './components/MfaSettings.js'
export { MfaSetup, type MfaSetupProps } from './components/MfaSetup.js'
export { Modal, type ModalProps } from './components/Modal.js'
export { PushApproval, type PushApprovalProps } from './components/PushApproval.js'
export { PushDevices, type PushDevicesProps } from './components/PushDevices.js'
export { QrCode, type QrCodeProps } from './components/QrCode.js'
export { RenameKeyDialog, type RenameKeyDialogProps } from './components/RenameKeyDialog.js'
export { SecurityKeyRegistration, type SecurityKeyRegistrationProps } from './components/SecurityKeyRegistration.js'
export { SecurityKeys, type SecurityKeysProps } from './components/SecurityKeys.js'
export { Status, type StatusProps } from './components/Status.js'
export { useCountdown } from './hooks/useCountdown.js'
export { useMfa, type MfaHookReturn, type MfaState } from './hooks/useMfa.js'
export { dialogError, errorMessage, webauthnErrorMessage } from './messages.js'
export { defaultTexts, mergeTexts, type DeepPartial, type MfaTextOverrides, type MfaTexts, type SetupMethod } from './texts.js'
export type * from './types.js'
export {
  createCredential,
  fromBase64url,
  getAssertion,
  isWebAuthnAvailable,
  toBase64url,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from './webauthn.js'
