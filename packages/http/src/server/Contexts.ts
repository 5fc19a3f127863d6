/**
 * The request fiber's context for a caller: the server's services and `CurrentPrincipal`. Adding a
 * service copies the whole context (every layer's service), so each key's context is made once and
 * kept, at most `limit` of them, the oldest forgotten first. A key never changes merchant or mode; the
 * kept one is used only while it matches the caller the storage just authenticated.
 */
import type { Principal } from "@paylinks/core/Merchants"
import * as Context from "effect/Context"
import { CurrentPrincipal } from "@paylinks/contract/Api"

/** Callers whose request context is kept. */
const PRINCIPAL_CONTEXTS = 1024

export const make = (
  base: Context.Context<never>,
  limit: number = PRINCIPAL_CONTEXTS
): ((principal: Principal) => Context.Context<never>) => {
  const contexts = new Map<string, { readonly principal: Principal; readonly context: Context.Context<never> }>()
  return (principal) => {
    const kept = contexts.get(principal.keyId)
    if (
      kept !== undefined &&
      kept.principal.tenant.merchantId === principal.tenant.merchantId &&
      kept.principal.tenant.mode === principal.tenant.mode
    )
      return kept.context
    const context = Context.add(base, CurrentPrincipal, principal) as Context.Context<never>
    if (contexts.size >= limit) contexts.delete(contexts.keys().next().value!)
    contexts.set(principal.keyId, { principal, context })
    return context
  }
}
