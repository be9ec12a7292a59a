// Where the app keeps what must survive a restart: the vault's JSON (it holds the TOTP
// secrets) and the push enrollment. A real app backs this with the platform's protected
// storage (the iOS Keychain, Android Keystore-encrypted storage, e.g. through a keychain module);
// the example keeps it in memory so it runs with React Native alone.

/** A secret store with one value per key. */
export interface SecretStore {
  /** The value kept under `key`, or null. */
  load(key: string): Promise<string | null>
  /** Keeps `value` under `key`, replacing what was there. */
  save(key: string, value: string): Promise<void>
  /** Forgets `key`. */
  remove(key: string): Promise<void>
}

/** A store that lasts as long as the app runs. */
export function memoryStore(): SecretStore {
  const values = new Map<string, string>()
  return {
    load: async (key) => values.get(key) ?? null,
    save: async (key, value) => {
      values.set(key, value)
    },
    remove: async (key) => {
      values.delete(key)
    },
  }
}
