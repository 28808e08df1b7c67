import { EventEmitter } from 'node:events'
import { PassThrough } from 'node:stream'
import { utilityProcess } from 'electron'
import { describe, expect, it, vi } from 'vitest'
import type { ChildExit } from '../../src/main/engine-host/spawner'
import { UtilityProcessSpawner } from '../../src/main/engine-host/utility-spawner'

vi.mock('electron', async () => (await import('./electron-mock')).electronModule())

/** A stand-in for Electron's UtilityProcess: an emitter with stderr and postMessage. */
class FakeUtility extends EventEmitter {
  pid = 4242
  stdout = new PassThrough()
  stderr = new PassThrough()
  posted: unknown[] = []
  postMessage(message: unknown): void {
    this.posted.push(message)
  }
  kill = vi.fn()
}

describe('UtilityProcessSpawner', () => {
  it('forks the bundled worker with fresh args, piped output, and maps its events to EngineChild', async () => {
    const fake = new FakeUtility()
    vi.mocked(utilityProcess.fork).mockReturnValue(fake as never)
    let threads = 1
    const child = new UtilityProcessSpawner('/app/out/main/chunks/worker.js', () => [
      `--threads=${threads}`
    ]).spawn()
    threads = 2
    new UtilityProcessSpawner('/app/out/main/chunks/worker.js', () => [`--threads=${threads}`]).spawn()
    expect(vi.mocked(utilityProcess.fork).mock.calls.map((c) => c[1])).toEqual([
      ['--threads=1'],
      ['--threads=2']
    ])
    expect(vi.mocked(utilityProcess.fork).mock.calls[0][2]).toMatchObject({
      stdio: 'pipe',
      serviceName: 'Cache Studio engine'
    })

    const messages: unknown[] = []
    const exits: ChildExit[] = []
    const onMessage = (m: unknown) => messages.push(m)
    child.onMessage(onMessage)
    child.onExit((e) => exits.push(e))
    const request = { kind: 'request' }
    child.postMessage(request)
    // Requests and answers pass between the host and the process with nothing of the spawner in
    // between: the host's listener is the process's own, its message the one Electron is given.
    expect(fake.listeners('message')).toEqual([onMessage])
    expect(fake.posted[0]).toBe(request)
    fake.emit('message', { kind: 'ready', version: 'x' })
    fake.stderr.write('ort: segfault in kernel\n')
    await new Promise((r) => setImmediate(r))
    vi.spyOn(process.stderr, 'write').mockReturnValue(true)
    fake.emit('error', 'FatalError', 'engine.cc:12', '')
    fake.emit('exit', 139)
    fake.emit('exit', 139) // reported once

    expect(child.pid).toBe(4242)
    expect(fake.posted).toEqual([{ kind: 'request' }])
    expect(messages).toEqual([{ kind: 'ready', version: 'x' }])
    expect(exits).toEqual([{ code: 139, signal: null }])
    expect(child.stderrTail()).toBe('ort: segfault in kernel\n\nFatalError at engine.cc:12')
  })
})
