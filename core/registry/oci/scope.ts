/**
 * Scopes of the Distribution token flow (`type:name:action[,action…]`, several separated by
 * spaces; docs.docker.com "Token Scope Documentation"). docker-registry builds the actions of
 * its challenge from a Go map, so the same request is answered `pull,push` once and
 * `push,pull` the next time: scopes are compared, cached and sent in one canonical form.
 */

interface Scope {
  resource: string;
  actions: string[];
}

function parse(scope: string): Scope[] {
  return scope
    .split(' ')
    .filter((s) => s !== '')
    .map((s) => {
      // The name may hold a colon (`registry:catalog:*` has none, a port-qualified name would),
      // the actions never do: they follow the last one.
      const i = s.lastIndexOf(':');
      if (i < 0) return { resource: s, actions: [] };
      return { resource: s.slice(0, i), actions: [...new Set(s.slice(i + 1).split(',').filter((a) => a !== ''))].sort() };
    });
}

/**
 * One spelling per scope: actions sorted and deduplicated, scopes sorted.
 * `repository:team/p:push,pull` → `repository:team/p:pull,push`. Text with no colon is kept.
 */
export function canonicalScope(scope: string): string {
  return parse(scope)
    .map((s) => (s.actions.length > 0 ? `${s.resource}:${s.actions.join(',')}` : s.resource))
    .sort()
    .join(' ');
}

/**
 * Whether a token granted for `held` serves a request that needs `wanted`: every wanted
 * resource is held with at least the wanted actions (`*` holds them all). A push token serves
 * a pull of the same repository.
 */
export function scopeCovers(held: string, wanted: string): boolean {
  const have = parse(held);
  return parse(wanted).every((w) => have.some((h) => h.resource === w.resource && (h.actions.includes('*') || w.actions.every((a) => h.actions.includes(a)))));
}
