import { defineConfig } from 'vite'
import react from '@vitejs/plugin-react'

// `npm run dev` serves the app with hot reload and forwards /api to the Express example
// (start it with `PORT=3000 node ../express/server.js`); `npm run build` writes dist/,
// which the Express example serves itself. @plinto/mfa-react is linked from packages/react:
// `dedupe` keeps its React the app's one copy.
export default defineConfig({
  plugins: [react()],
  resolve: { dedupe: ['react', 'react-dom'] },
  server: {
    port: 5173,
    proxy: { '/api': `http://127.0.0.1:${process.env.API_PORT ?? 3000}` },
  },
  build: {
    outDir: 'dist',
    sourcemap: true,
  },
})
