import { describe, expect, expectTypeOf, it } from 'vitest'
import type { z } from 'zod'
import {
  REQUEST_SCHEMAS,
  STUDIO_CALLS,
  STUDIO_EVENTS,
  callChannel,
  eventChannel,
  type StudioApi,
  type StudioCall,
  type StudioCalls,
  type StudioEvent,
  type StudioEvents
} from '../../src/shared/api'

type Schemas = typeof REQUEST_SCHEMAS
/** The params a call's schema accepts, as the contract's tuple: [] for none, [payload] otherwise. */
type SchemaParams<C extends StudioCall> = Schemas[C] extends z.ZodType ? [z.input<Schemas[C]>] : []
type ParamsOf<C extends StudioCall> = { [K in keyof StudioCalls[C]['params']]: StudioCalls[C]['params'][K] }

// These are checked by `npm run typecheck` (tsc): the names and the contract can't drift apart.
expectTypeOf<keyof StudioCalls>().toEqualTypeOf<StudioCall>()
expectTypeOf<keyof Schemas>().toEqualTypeOf<StudioCall>()
expectTypeOf<keyof StudioEvents>().toEqualTypeOf<StudioEvent>()
expectTypeOf<{ [C in StudioCall]: ParamsOf<C> }>().toEqualTypeOf<{ [C in StudioCall]: SchemaParams<C> }>()
expectTypeOf<StudioApi['generate']>().parameters.toEqualTypeOf<StudioCalls['generate']['params']>()

describe('the renderer ↔ main contract', () => {
  it('has one schema entry per call name, and no others', () => {
    expect(Object.keys(REQUEST_SCHEMAS).sort()).toEqual([...STUDIO_CALLS].sort())
  })

  it('puts every call and event on its own channel in the studio namespace', () => {
    const channels = [...STUDIO_CALLS.map(callChannel), ...STUDIO_EVENTS.map(eventChannel)]
    expect(new Set(channels).size).toBe(channels.length)
    for (const channel of channels) expect(channel).toMatch(/^studio:(call|event):[a-zA-Z]+$/)
  })
})
