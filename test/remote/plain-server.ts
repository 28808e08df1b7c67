import Fastify, { type FastifyInstance } from 'fastify'
import { encode } from 'fast-png'

/**
 * A plain OpenAI-Images-compatible server, as SGLang or vLLM-Omni expose one: GET /v1/models and
 * POST /v1/images/generations only (no /health, no jobs, no events), bearer token checked. It
 * answers an 8×6 RGB PNG (RGB, as such servers send) and records what it was asked.
 */
export const PLAIN_TOKEN = 'plain-server-token-0123456789'
export const PLAIN_MODEL = 'plain/image-model'

export interface PlainServer {
  url: string
  /** Each generation request: its body, the Authorization header, and whether the client hung up. */
  requests: { body: Record<string, unknown>; authorization: string | undefined; hungUp: boolean }[]
  authorizations: (string | undefined)[]
  /** Milliseconds a generation takes before it answers. */
  delayMs: number
  rgb: Uint8Array
  close(): Promise<void>
}

export async function startPlainServer(): Promise<PlainServer> {
  const app: FastifyInstance = Fastify()
  const rgb = Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256)
  const state: PlainServer = {
    url: '',
    requests: [],
    authorizations: [],
    delayMs: 0,
    rgb,
    close: () => app.close()
  }
  app.addHook('onRequest', async (request, reply) => {
    state.authorizations.push(request.headers.authorization)
    if (request.headers.authorization !== `Bearer ${PLAIN_TOKEN}`)
      return reply
        .code(401)
        .send({ error: { message: 'Incorrect API key provided', code: 'invalid_api_key' } })
  })
  app.get('/v1/models', async () => ({
    object: 'list',
    data: [{ id: PLAIN_MODEL, object: 'model', owned_by: 'plain' }]
  }))
  app.post('/v1/images/generations', async (request) => {
    const entry = {
      body: request.body as Record<string, unknown>,
      authorization: request.headers.authorization,
      hungUp: false
    }
    state.requests.push(entry)
    await new Promise((r) => setTimeout(r, state.delayMs))
    // Whether the client went away while the image was being made (its socket is gone).
    entry.hungUp = request.socket.destroyed
    const png = encode({ width: 8, height: 6, data: rgb, channels: 3, depth: 8 })
    return { created: 1, data: [{ b64_json: Buffer.from(png).toString('base64') }] }
  })
  state.url = await app.listen({ host: '127.0.0.1', port: 0 })
  return state
}
