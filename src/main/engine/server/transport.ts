/**
 * How the engine talks to its host. The same server loop runs under two hosts:
 * - Electron's utilityProcess, where `process.parentPort` carries structured-clone messages;
 * - a plain Node child (`child_process.fork` with `serialization: 'advanced'`), used by tests and
 *   by anything that wants the engine without an Electron binary.
 * The engine never imports electron, so the parent port is typed here by the little we use.
 */
export interface EngineTransport {
  send(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
}

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown
  postMessage(message: unknown): void
}

function parentPortTransport(port: ParentPortLike): EngineTransport {
  return {
    send: (message) => port.postMessage(message),
    onMessage: (listener) => void port.on('message', (event) => listener(event.data))
  }
}

function nodeIpcTransport(proc: NodeJS.Process): EngineTransport {
  const send = proc.send?.bind(proc)
  if (!send)
    throw new Error('engine worker started without an IPC channel (fork it, or run it as a utility process)')
  return {
    send: (message) => void send(message),
    onMessage: (listener) => void proc.on('message', listener)
  }
}

/** The transport of the host this process was started by. */
export function hostTransport(proc: NodeJS.Process = process): EngineTransport {
  const port = (proc as NodeJS.Process & { parentPort?: ParentPortLike }).parentPort
  return port ? parentPortTransport(port) : nodeIpcTransport(proc)
}
