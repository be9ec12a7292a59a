// The Express example as its own server process, listening on a free loopback port.
// Prints "listening http://127.0.0.1:PORT" once ready. The database and the key come from
// PLINTO_DATABASE and PLINTO_SECRET_KEY, as for `node server.js`.

// (A computed specifier keeps the example's own sources out of this folder's type check.)
const serverModule = new URL('../../express/server.js', import.meta.url).href
/** @type {{ app: { listen(port: number, host: string, ready: () => void): import('node:http').Server } }} */
const { app } = await import(serverModule)

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  console.log(`listening http://127.0.0.1:${port}`)
})

const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
