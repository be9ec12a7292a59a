// The browser side of security keys (WebAuthn): the server's JSON options in, the key's
// answer out as JSON (base64url for binary fields), ready to post back.
//
// Browsers with PublicKeyCredential.parse*OptionsFromJSON() and credential.toJSON() do the
// conversions themselves; for the others, the few binary fields are converted here.

/** What navigator.credentials.create() returned, as JSON (RegistrationResponseJSON). */
export interface RegistrationResponseJSON {
  id: string
  rawId: string
  type: string
  authenticatorAttachment?: string | null
  clientExtensionResults: Record<string, unknown>
  response: {
    clientDataJSON: string
    attestationObject: string
    transports?: string[]
    authenticatorData?: string
    publicKey?: string
    publicKeyAlgorithm?: number
  }
}

/** What navigator.credentials.get() returned, as JSON (AuthenticationResponseJSON). */
export interface AuthenticationResponseJSON {
  id: string
  rawId: string
  type: string
  authenticatorAttachment?: string | null
  clientExtensionResults: Record<string, unknown>
  response: {
    clientDataJSON: string
    authenticatorData: string
    signature: string
    userHandle?: string | null
  }
}

/** Whether this browser can use security keys here at all (it needs a secure context). */
export function isWebAuthnAvailable(): boolean {
  return typeof window !== 'undefined' && window.isSecureContext && typeof window.PublicKeyCredential === 'function' && !!navigator.credentials
}

/** Asks the browser to register a new key for `options` (the server's creation options). */
export async function createCredential(options: PublicKeyCredentialCreationOptionsJSON, signal?: AbortSignal): Promise<RegistrationResponseJSON> {
  const publicKey = parseCreationOptions(options)
  const credential = await navigator.credentials.create({ publicKey, signal })
  if (!(credential instanceof PublicKeyCredential)) throw new DOMException('No credential was created', 'NotAllowedError')
  if (typeof credential.toJSON === 'function') return credential.toJSON() as RegistrationResponseJSON
  const response = credential.response as AuthenticatorAttestationResponse
  return {
    ...credentialFields(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : undefined,
      authenticatorData: typeof response.getAuthenticatorData === 'function' ? toBase64url(response.getAuthenticatorData()) : undefined,
      publicKey: publicKeyOf(response),
      publicKeyAlgorithm: typeof response.getPublicKeyAlgorithm === 'function' ? response.getPublicKeyAlgorithm() : undefined,
    },
  }
}

/** Asks the browser for a key's signature over the server's challenge (its request options). */
export async function getAssertion(options: PublicKeyCredentialRequestOptionsJSON, signal?: AbortSignal): Promise<AuthenticationResponseJSON> {
  const publicKey = parseRequestOptions(options)
  const credential = await navigator.credentials.get({ publicKey, signal })
  if (!(credential instanceof PublicKeyCredential)) throw new DOMException('No security key answered', 'NotAllowedError')
  if (typeof credential.toJSON === 'function') return credential.toJSON() as AuthenticationResponseJSON
  const response = credential.response as AuthenticatorAssertionResponse
  return {
    ...credentialFields(credential),
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : null,
    },
  }
}

// --- JSON options to the browser's shapes ----------------------------------------------------

function parseCreationOptions(json: PublicKeyCredentialCreationOptionsJSON): PublicKeyCredentialCreationOptions {
  if (typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function') return PublicKeyCredential.parseCreationOptionsFromJSON(json)
  return {
    ...json,
    attestation: json.attestation as AttestationConveyancePreference | undefined,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: json.excludeCredentials?.map(descriptor),
    extensions: json.extensions as AuthenticationExtensionsClientInputs | undefined,
  }
}

function parseRequestOptions(json: PublicKeyCredentialRequestOptionsJSON): PublicKeyCredentialRequestOptions {
  if (typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function') return PublicKeyCredential.parseRequestOptionsFromJSON(json)
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: json.allowCredentials?.map(descriptor),
    userVerification: json.userVerification as UserVerificationRequirement | undefined,
    extensions: json.extensions as AuthenticationExtensionsClientInputs | undefined,
  }
}

const descriptor = (d: PublicKeyCredentialDescriptorJSON): PublicKeyCredentialDescriptor => ({
  id: fromBase64url(d.id),
  type: d.type as PublicKeyCredentialType,
  transports: d.transports as AuthenticatorTransport[] | undefined,
})

// --- The browser's answer to JSON -------------------------------------------------------------

function credentialFields(credential: PublicKeyCredential) {
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment,
    clientExtensionResults: jsonable(credential.getClientExtensionResults()) as Record<string, unknown>,
  }
}

function publicKeyOf(response: AuthenticatorAttestationResponse): string | undefined {
  if (typeof response.getPublicKey !== 'function') return undefined
  const key = response.getPublicKey()
  return key ? toBase64url(key) : undefined
}

/** Extension results may hold binary values (e.g. prf): those become base64url too. */
function jsonable(value: unknown): unknown {
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return toBase64url(value)
  if (Array.isArray(value)) return value.map(jsonable)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonable(v)]))
  return value
}

/** base64url (no padding) of bytes. */
export function toBase64url(data: ArrayBuffer | ArrayBufferView): string {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** Bytes of base64url (padding optional). */
export function fromBase64url(text: string): ArrayBuffer {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/')
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes.buffer
}
