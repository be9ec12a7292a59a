// Every word the components show, in one object a host app can override (an i18n object):
// pass `texts` to <MfaProvider> with the groups and keys to change; the rest stay English.
import type { KeyType, MfaMethod } from './types.js'

/** The methods <MfaSetup> can set up. */
export type SetupMethod = Extract<MfaMethod, 'totp' | 'sms' | 'email' | 'webauthn' | 'push'>

/** The words of every component, grouped by component. */
export interface MfaTexts {
  /** Words for the server's refusals, by their stable code (e.g. `mfa_rate_limited`); a code
   * not listed shows the server's own words. */
  errors: Partial<Record<string, string>>
  common: {
    cancel: string
    back: string
    verify: string
    verifying: string
    tryAgain: string
    /** "1 minute", "15 minutes": a wait rounded up to whole minutes. */
    minutes: (seconds: number) => string
    /** A date and time in the reader's locale. */
    dateTime: (iso: string) => string
    attemptsRemaining: (count: number) => string
    resendIn: (seconds: number) => string
    offline: string
    wrongPassword: string
    failed: string
    /** The names of the methods, as lists and menus show them. */
    methodNames: Record<MfaMethod, string>
    codePlaceholder: string
  }
  setup: {
    chooseTitle: string
    methods: Record<SetupMethod, { name: string; description: string }>
    /** What backup codes stand in for, per method. */
    devices: Record<SetupMethod, string>
    setupTitle: (method: string) => string
    totpIntro: string
    phoneLabel: string
    phonePlaceholder: string
    phoneMissing: string
    emailIntro: (email: string | undefined) => string
    pushIntro: string
    /** The name a phone enrolled for push gets (renamed later in the app). */
    pushDeviceName: string
    settingUp: string
    continue: string
    verifyTitle: string
    scanTotp: string
    totpQrLabel: string
    manualKey: string
    scanPush: (within: string) => string
    pushQrLabel: string
    pushThen: string
    codeSentTo: string
    codeSentToYour: (method: 'sms' | 'email') => string
    resend: string
    resendIn: (seconds: number) => string
    resent: string
    codeLabel: string
    setupFailed: string
    resendFailed: string
    tooManyAttempts: (wait: string) => string
    expired: string
    invalid: string
    failed: string
    backupTitle: string
  }
  challenge: {
    title: string
    intro: string
    leadCode: string
    leadKeyOrCode: string
    leadKey: string
    pushLead: string
    pushInstead: string
    useKey: string
    waitingForKey: string
    checking: string
    touchKey: string
    keyUnavailable: string
    or: string
    methodLabel: string
    /** The choices of the method menu. */
    methodNames: Record<'totp' | 'sms' | 'email' | 'backup', string>
    totpCodeLabel: string
    backupCodeLabel: string
    sentCodeLabel: (method: string) => string
    backupPlaceholder: string
    sendNewCode: string
    sendNewCodeIn: (seconds: number) => string
    newCodeSent: string
    sendFailed: string
    locked: (wait: string) => string
    invalid: string
    expired: string
    keyRefused: string
    keyExpired: string
    keyFailed: string
    failed: string
    noDevice: string
    useBackup: string
  }
  backupCodes: {
    intro: (device: string) => string
    defaultDevice: string
    copy: string
    copied: string
    copyFailed: string
    download: string
    fileName: string
    saved: string
  }
  qrCode: {
    failed: string
  }
  dialog: {
    password: string
    codeLabel: string
    backupCodeLabel: string
    failed: string
  }
  settings: {
    title: string
    loading: string
    regenerateTitle: string
    regenerateConfirm: string
    working: string
    regenerateBody: string
    disableTitle: string
    disableConfirm: string
    disabling: string
    disableBody: string
    disabled: string
    newCodesTitle: string
    offTitle: string
    offBody: string
    enable: string
    onTitle: string
    activeMethods: string
    backupRemaining: string
    lastUsed: string
    regenerate: string
    addMethod: string
    disable: string
    loadFailed: string
  }
  keys: {
    title: string
    loadFailed: string
    empty: string
    kinds: Record<KeyType, string>
    added: (date: string) => string
    lastUsed: (date: string) => string
    notUsed: string
    rename: string
    renameLabel: (name: string) => string
    remove: string
    removeLabel: (name: string) => string
    add: string
    keyAdded: (kind: KeyType) => string
    renamed: (name: string) => string
    renameFailed: string
    removeTitle: (name: string) => string
    removeConfirm: string
    removing: string
    removed: (mfaDisabled: boolean) => string
    removeFailed: string
    removeLastBody: string
    removeBody: string
  }
  renameKey: {
    title: (name: string) => string
    newName: string
    nameMissing: string
    saving: string
    save: string
  }
  registration: {
    title: string
    intro: string
    unavailable: string
    kind: string
    kinds: Record<KeyType, { label: string; hint: string; placeholder: string; submit: string; waiting: string }>
    name: string
    nameHint: string
    nameMissing: string
    starting: string
    waiting: string
    saving: string
    refused: string
    failed: string
  }
  /** The browser's refusals of a key ceremony, by DOMException name. */
  webauthn: {
    registerNotAllowed: string
    signInNotAllowed: string
    registerInvalidState: string
    signInInvalidState: string
    aborted: string
    security: string
    notSupported: string
    constraint: string
    other: (name: string) => string
  }
  push: {
    instructions: string
    announce: (number: string) => string
    waiting: (secondsLeft: number) => string
    noNotification: string
    send: string
    sending: string
    sendIn: (seconds: number) => string
    tooMany: (seconds: number) => string
    sendFailed: string
    readFailed: string
    otherMethod: string
    outcomes: Record<'denied' | 'wrong_number' | 'reported' | 'expired' | 'cancelled' | 'refused' | 'used', string>
    notApproved: string
  }
  pushDevices: {
    title: string
    platforms: Record<string, string>
    paused: string
    pausedHint: string
    removeTitle: (name: string) => string
    removeConfirm: string
    removeLabel: (name: string) => string
    removed: (mfaDisabled: boolean) => string
    removeFailed: string
    removeLastBody: string
    removeBody: string
  }
}

const minutes = (seconds: number) => {
  const m = Math.max(1, Math.ceil(seconds / 60))
  return m === 1 ? '1 minute' : `${m} minutes`
}

const dateTime = (iso: string) => {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString()
}

/** The components' English words. */
export const defaultTexts: MfaTexts = {
  errors: {},
  common: {
    cancel: 'Cancel',
    back: 'Back',
    verify: 'Verify',
    verifying: 'Verifying...',
    tryAgain: 'Try again',
    minutes,
    dateTime,
    attemptsRemaining: (n) => `${n} ${n === 1 ? 'attempt' : 'attempts'} remaining`,
    resendIn: (s) => `A new code can be sent in ${s} seconds.`,
    offline: 'Cannot reach the server. Check your connection and try again.',
    wrongPassword: 'Wrong password.',
    failed: 'That did not work. Try again.',
    methodNames: {
      totp: 'Authenticator app',
      sms: 'SMS',
      email: 'Email',
      backup: 'Backup codes',
      webauthn: 'Security key',
      push: 'Push approval',
    },
    codePlaceholder: '123456',
  },
  setup: {
    chooseTitle: 'Choose Authentication Method',
    methods: {
      totp: { name: 'Authenticator App', description: 'Use Google Authenticator, Authy, or similar apps' },
      sms: { name: 'SMS Messages', description: 'Receive codes via text message' },
      email: { name: 'Email', description: 'Receive codes via email' },
      push: { name: 'Push Approval', description: 'Approve sign-ins in the authenticator app by typing the number shown' },
      webauthn: { name: 'Security Key', description: 'Touch a USB or NFC key (such as a YubiKey), or use a passkey on this device' },
    },
    devices: {
      totp: 'your authenticator app',
      sms: 'your phone',
      email: 'your email',
      webauthn: 'your security key',
      push: 'your phone',
    },
    setupTitle: (method) => `Setup ${method}`,
    totpIntro: 'You will scan a QR code with an authenticator app on your phone, then type the 6-digit code it shows.',
    phoneLabel: 'Phone Number',
    phonePlaceholder: '+14155550123',
    phoneMissing: 'Enter your phone number, with the country code (for example +14155550123).',
    emailIntro: (email) => `We will send a 6-digit code to ${email ?? 'your email address'}.`,
    pushIntro: 'You will scan a QR code with the authenticator app on your phone. It then shows a 6-digit code to type here.',
    pushDeviceName: 'Phone',
    settingUp: 'Setting up...',
    continue: 'Continue',
    verifyTitle: 'Verify Setup',
    scanTotp: 'Scan this QR code with your authenticator app:',
    totpQrLabel: 'QR code to add this account to an authenticator app',
    manualKey: 'Or enter this key manually:',
    scanPush: (within) => `Scan this QR code with the authenticator app on your phone, within ${within}:`,
    pushQrLabel: 'QR code to enroll your phone for push approvals',
    pushThen: 'Then type the code your phone shows.',
    codeSentTo: 'A verification code has been sent to',
    codeSentToYour: (method) => (method === 'sms' ? 'your phone' : 'your email'),
    resend: 'Resend code',
    resendIn: (s) => `Resend code (${s} s)`,
    resent: 'A new code is on its way.',
    codeLabel: 'Verification Code',
    setupFailed: 'Setup failed',
    resendFailed: 'Could not send a new code',
    tooManyAttempts: (wait) => `Too many attempts. Try again in ${wait}.`,
    expired: 'This code has expired. Send a new one.',
    invalid: 'Invalid code. Check the code and try again.',
    failed: 'Verification failed',
    backupTitle: 'Save your backup codes',
  },
  challenge: {
    title: 'Two-Factor Authentication',
    intro: 'Your account is protected with a second step.',
    leadCode: 'Enter a code to finish signing in.',
    leadKeyOrCode: 'Use your security key or passkey, or enter a code, to finish signing in.',
    leadKey: 'Use your security key or passkey to finish signing in.',
    pushLead: 'Approve the sign-in on your phone.',
    pushInstead: 'Approve on your phone instead',
    useKey: 'Use security key or passkey',
    waitingForKey: 'Waiting for your key...',
    checking: 'Checking...',
    touchKey: "Touch your security key when it flashes, or confirm with this device's fingerprint, face or PIN.",
    keyUnavailable: 'This browser cannot use security keys on this page: use a backup code instead.',
    or: 'or',
    methodLabel: 'Authentication Method',
    methodNames: { totp: 'Authenticator App', sms: 'SMS', email: 'Email', backup: 'Backup Code' },
    totpCodeLabel: 'Code from authenticator app',
    backupCodeLabel: 'One of your backup codes',
    sentCodeLabel: (method) => `Code sent via ${method}`,
    backupPlaceholder: 'XXXXXXXXXX',
    sendNewCode: 'Send New Code',
    sendNewCodeIn: (s) => `Send New Code (${s} s)`,
    newCodeSent: 'New code sent!',
    sendFailed: 'Failed to send new code',
    locked: (wait) => `Too many attempts. Sign-in is locked for ${wait}.`,
    invalid: 'Invalid code',
    expired: 'Invalid code: it has expired. Send a new one.',
    keyRefused: 'Your security key was not accepted. Use a key registered to your account, or another method.',
    keyExpired: 'The request expired before the key answered. Try again.',
    keyFailed: 'Signing in with the security key failed',
    failed: 'Verification failed',
    noDevice: "Can't access your device?",
    useBackup: 'Use backup code',
  },
  backupCodes: {
    intro: (device) =>
      `Save these codes somewhere safe. Each one signs you in once if you lose access to ${device}. They are shown only now.`,
    defaultDevice: 'your authenticator app',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'The codes could not be copied: select them, or download them instead.',
    download: 'Download',
    fileName: 'backup-codes.txt',
    saved: "I've saved these codes",
  },
  qrCode: {
    failed: 'The QR code could not be drawn: enter the key below instead.',
  },
  dialog: {
    password: 'Password',
    codeLabel: 'Code from your authenticator app, or a backup code',
    backupCodeLabel: 'One of your backup codes',
    failed: 'That did not work. Try again.',
  },
  settings: {
    title: 'Two-Factor Authentication',
    loading: 'Loading MFA settings...',
    regenerateTitle: 'Confirm with your password',
    regenerateConfirm: 'Generate',
    working: 'Working...',
    regenerateBody: 'New backup codes replace your current ones: the old codes stop working.',
    disableTitle: 'Turn off two-factor authentication?',
    disableConfirm: 'Disable MFA',
    disabling: 'Disabling...',
    disableBody: 'Without it, your password alone protects your account. Confirm with your password and a current code.',
    disabled: 'Two-factor authentication is now off.',
    newCodesTitle: 'Your New Backup Codes',
    offTitle: '🔒 Secure your account',
    offBody: 'Two-factor authentication adds an extra layer of security to your account. Turn it on to protect against unauthorized access.',
    enable: 'Enable Two-Factor Authentication',
    onTitle: '✅ Two-Factor Authentication is enabled',
    activeMethods: 'Active methods',
    backupRemaining: 'Backup codes remaining',
    lastUsed: 'Last used',
    regenerate: 'Generate New Backup Codes',
    addMethod: 'Add Another Method',
    disable: 'Disable MFA',
    loadFailed: 'Failed to load MFA status',
  },
  keys: {
    title: 'Security keys',
    loadFailed: 'Could not load your security keys',
    empty: 'No security keys or passkeys yet. Add one to sign in with a touch.',
    kinds: { securityKey: 'Security key', passkey: 'Passkey' },
    added: (date) => `Added ${date}`,
    lastUsed: (date) => ` · last used ${date}`,
    notUsed: ' · not used yet',
    rename: 'Rename',
    renameLabel: (name) => `Rename ${name}`,
    remove: 'Remove',
    removeLabel: (name) => `Remove ${name}`,
    add: 'Add Security Key',
    keyAdded: (kind) => (kind === 'passkey' ? 'Passkey added.' : 'Security key added.'),
    renamed: (name) => `Renamed to ${name}.`,
    renameFailed: 'The key could not be renamed. Try again.',
    removeTitle: (name) => `Remove ${name}?`,
    removeConfirm: 'Remove Key',
    removing: 'Removing...',
    removed: (off) => (off ? 'Security key removed. Two-factor authentication is now off.' : 'Security key removed.'),
    removeFailed: 'The key could not be removed. Try again.',
    removeLastBody:
      'It is your only second step: removing it turns two-factor authentication off. Confirm with your password and one of your backup codes.',
    removeBody: 'You will no longer be able to sign in with this key. Confirm with your password.',
  },
  renameKey: {
    title: (name) => `Rename ${name}`,
    newName: 'New name',
    nameMissing: 'Give the key a name, so you can tell your keys apart.',
    saving: 'Saving...',
    save: 'Save Name',
  },
  registration: {
    title: 'Add a security key or passkey',
    intro:
      'A security key is a small USB or NFC device (such as a YubiKey) that you touch; a passkey lives on this device and is unlocked with its screen lock. Either way you sign in with nothing to type.',
    unavailable: 'This browser cannot use security keys on this page. Try a current version of Chrome, Edge, Firefox or Safari.',
    kind: 'Kind',
    kinds: {
      securityKey: {
        label: 'Security key',
        hint: 'A USB or NFC device, such as a YubiKey',
        placeholder: 'e.g. YubiKey on my keyring',
        submit: 'Register Security Key',
        waiting: 'Insert your security key and touch it when it flashes.',
      },
      passkey: {
        label: 'Passkey on this device',
        hint: "Unlocked with this device's fingerprint, face or PIN",
        placeholder: 'e.g. My laptop',
        submit: 'Create Passkey',
        waiting: "Confirm with this device's fingerprint, face or PIN.",
      },
    },
    name: 'Key name',
    nameHint: 'Shown in your settings, so you can tell your keys apart.',
    nameMissing: 'Give the key a name, so you can tell your keys apart.',
    starting: 'Starting...',
    waiting: 'Waiting for your key...',
    saving: 'Saving...',
    refused: 'The security key was not accepted. Try again.',
    failed: 'The security key could not be registered.',
  },
  webauthn: {
    registerNotAllowed: 'The security key was not registered: the request was cancelled or timed out. Try again.',
    signInNotAllowed:
      'No security key answered: the request was cancelled or timed out, or this key is not registered to your account. Try again, or use another method.',
    registerInvalidState: 'This security key is already registered to your account.',
    signInInvalidState: 'This security key cannot be used here.',
    aborted: 'The security key request was stopped.',
    security: 'Security keys cannot be used at this address. Open the site at its usual address (https, or http://localhost here).',
    notSupported: 'This browser or security key does not support what the site asked for.',
    constraint: 'This security key cannot do what the site asked for (for example, it has no PIN or fingerprint set up).',
    other: (name) => `The security key request failed (${name}).`,
  },
  push: {
    instructions: 'Open the authenticator app on your phone and type this number to approve:',
    announce: (number) => `Type ${number.split('').join(' ')} on your phone. Waiting for your approval.`,
    waiting: (left) => `Waiting for your approval… ${left > 0 ? `${left} s left` : ''}`,
    noNotification: 'If no notification arrives, open the app: it finds the request on its own.',
    send: 'Approve on your phone',
    sending: 'Sending…',
    sendIn: (s) => `Approve on your phone (${s} s)`,
    tooMany: (s) => `Too many requests. You can send another in ${s} seconds.`,
    sendFailed: 'Could not send the request',
    readFailed: 'Could not read the request',
    otherMethod: 'Use another method',
    outcomes: {
      denied: 'The request was denied on your phone.',
      wrong_number: 'The number typed on your phone did not match. Send a new request and type the number shown here.',
      reported: 'You reported the request, so push approvals are paused. Sign in with another method.',
      expired: 'The request expired before it was approved.',
      cancelled: 'A newer request replaced this one.',
      refused: 'The approval could not complete the sign-in. Try again in a moment.',
      used: 'This request was already used.',
    },
    notApproved: 'The request was not approved.',
  },
  pushDevices: {
    title: 'Phones for push approval',
    platforms: { android: 'Android', ios: 'iPhone', none: 'Checks for requests' },
    paused: 'Paused',
    pausedHint: 'Push approvals are paused after a reported request. Signing in with another method restores them.',
    removeTitle: (name) => `Remove ${name}?`,
    removeConfirm: 'Remove Phone',
    removeLabel: (name) => `Remove ${name}`,
    removed: (off) => (off ? 'Phone removed. Two-factor authentication is now off.' : 'Phone removed.'),
    removeFailed: 'The phone could not be removed. Try again.',
    removeLastBody: 'It is your only second step: removing it turns two-factor authentication off. Confirm with your password and a backup code.',
    removeBody: 'This phone will no longer approve your sign-ins. Confirm with your password.',
  },
}

/** `T` with every key optional, at every depth; functions are replaced whole. */
export type DeepPartial<T> = T extends (...args: never[]) => unknown ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T

/** Overrides for some of the words, at any depth: `{ setup: { methods: { totp: { name } } } }`. */
export type MfaTextOverrides = DeepPartial<MfaTexts>

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `base` with `overrides` laid over it: plain objects are merged key by key, anything else
 * (a string, a function) replaces the default. */
function merge(base: unknown, overrides: unknown): unknown {
  if (!isPlain(base) || !isPlain(overrides)) return overrides === undefined ? base : overrides
  const merged: Record<string, unknown> = { ...base }
  for (const [key, value] of Object.entries(overrides)) merged[key] = merge(base[key], value)
  return merged
}

/** The default words with `overrides` laid over them. */
export function mergeTexts(overrides: MfaTextOverrides = {}, base: MfaTexts = defaultTexts): MfaTexts {
  return merge(base, overrides) as MfaTexts
}
