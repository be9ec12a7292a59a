import { defineConfig } from 'vitest/config'

// Component tests in jsdom, against the Express example started once as its own process on a
// loopback port (test/server.ts): the real core behind every request the components make.
export default defineConfig({
  test: {
    environment: 'jsdom',
    // One jsdom per worker thread, shared by its files (each test cleans up after itself):
    // a third of the time of a fresh environment per file.
    pool: 'threads',
    isolate: false,
    globalSetup: ['test/server.ts'],
    setupFiles: ['test/setup.ts'],
    include: ['test/**/*.test.{ts,tsx}'],
    testTimeout: 20_000,
    hookTimeout: 40_000,
  },
})
