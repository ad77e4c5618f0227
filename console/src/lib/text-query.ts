// The log text query: words, "quoted phrases", and -negation (of a word or a phrase).
// Every term is a case-insensitive substring match on the message (pg_trgm-indexable ILIKE).

export interface TextQuery {
  include: string[];
  exclude: string[];
}

export function parseTextQuery(input: string | undefined): TextQuery {
  const q: TextQuery = { include: [], exclude: [] };
  if (!input) return q;
  const re = /(-?)(?:"([^"]*)"?|(\S+))/g;
  for (const m of input.matchAll(re)) {
    const negated = m[1] === '-';
    const term = (m[2] ?? m[3] ?? '').trim();
    if (term === '' || (term === '-' && !negated)) continue;
    (negated ? q.exclude : q.include).push(term);
  }
  return q;
}

export function escapeLike(term: string): string {
  return term.replace(/[\\%_]/g, (m) => '\\' + m);
}

/** The same semantics in memory (live tail). */
export function matchesText(q: TextQuery, message: string): boolean {
  const m = message.toLowerCase();
  return (
    q.include.every((t) => m.includes(t.toLowerCase())) && !q.exclude.some((t) => m.includes(t.toLowerCase()))
  );
}
