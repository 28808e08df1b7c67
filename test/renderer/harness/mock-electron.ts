import { vi } from 'vitest'

// The renderer e2e runs main's handlers in plain Node: electron is mocked at the module boundary.
vi.mock('electron', async () => (await import('../../main/electron-mock')).electronModule())
