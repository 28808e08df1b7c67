/**
 * `fn` remembered for its last arguments, compared with Object.is, as reselect's selectors are
 * (zustand's guides: derived data from a memoised selector). A store selector built on it answers
 * with the same value, without running `fn` again, while its inputs are the same objects: a store
 * change that leaves them alone (a run's progress event) costs a comparison, not the work.
 */
export function memoLast<A extends readonly unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  let last: { args: A; value: R } | null = null
  return (...args: A): R => {
    if (last && last.args.length === args.length && last.args.every((a, i) => Object.is(a, args[i])))
      return last.value
    const value = fn(...args)
    last = { args, value }
    return value
  }
}
