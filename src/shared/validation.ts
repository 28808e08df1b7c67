import type { z } from 'zod'

/**
 * One line that names every bad field of a payload, e.g.
 * `generate: invalid payload: seed: Too big: expected number to be <=4294967295; prompt: Required`.
 * IPC handlers and the engine server both answer malformed input with it.
 */
export function describeIssues(what: string, error: z.ZodError): string {
  const issues = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.map(String).join('.') : '(payload)'
    return `${field}: ${issue.message}`
  })
  return `${what}: invalid payload: ${issues.join('; ')}`
}
