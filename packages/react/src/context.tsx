// The client and the words the components use: from the nearest <MfaProvider>, else a
// same-origin client and English.
import { createContext, useContext, useMemo, type ReactNode } from 'react'
import { createMfaClient, type MfaClient } from './client.js'
import { defaultTexts, mergeTexts, type MfaTextOverrides, type MfaTexts } from './texts.js'

interface MfaContextValue {
  client: MfaClient
  texts: MfaTexts
}

const fallback: MfaContextValue = { client: createMfaClient(), texts: defaultTexts }
const MfaContext = createContext<MfaContextValue>(fallback)

/** What <MfaProvider> takes. */
export interface MfaProviderProps {
  /** The client the components call (default: the page's own origin, `createMfaClient()`). */
  client?: MfaClient
  /** Words to use instead of the English defaults, group by group. */
  texts?: MfaTextOverrides
  children: ReactNode
}

/** Gives the components below it a client (a base URL, a fetch) and their words. */
export function MfaProvider({ client, texts, children }: MfaProviderProps) {
  const value = useMemo(() => ({ client: client ?? fallback.client, texts: mergeTexts(texts) }), [client, texts])
  return <MfaContext.Provider value={value}>{children}</MfaContext.Provider>
}

/** The client of the nearest <MfaProvider>. */
export const useMfaClient = (): MfaClient => useContext(MfaContext).client

/** The words of the nearest <MfaProvider>. */
export const useMfaTexts = (): MfaTexts => useContext(MfaContext).texts
