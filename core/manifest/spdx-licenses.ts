import parseExpression from 'spdx-expression-parse';
import licenseIds from 'spdx-license-ids';
import deprecatedIds from 'spdx-license-ids/deprecated.json';
import exceptionIds from 'spdx-exceptions';

/**
 * SPDX license identifiers and expressions, as the SPDX 3.0.1 license-expression annex
 * reads them: identifiers match case-insensitively ("apache-2.0" is Apache-2.0), the
 * operators are AND, OR and WITH, LicenseRef-/DocumentRef- name licences off the list.
 * The list is the one `spdx-license-ids` ships (with its deprecated ids, which SPDX still
 * accepts in expressions).
 */

const CANONICAL = new Map<string, string>();
for (const id of [...licenseIds, ...deprecatedIds, ...exceptionIds]) CANONICAL.set(id.toLowerCase(), id);

/** The listed identifier (licence or exception) with SPDX's own capitalisation, or undefined. */
export function canonicalLicenseId(id: string): string | undefined {
  return CANONICAL.get(id.toLowerCase());
}

type Node = { license: string; plus?: true; exception?: string } | { left: Node; conjunction: 'and' | 'or'; right: Node };

/**
 * A valid SPDX license expression, normalised (listed ids in their own capitalisation,
 * operators upper-case, parentheses only around an OR inside an AND), or an error saying why
 * it is not one.
 */
export function normaliseLicenseExpression(expression: string): { expression: string } | { error: string } {
  // Identifiers are case-insensitive; the parser compares them exactly.
  const fixed = expression.replace(/(LicenseRef-|DocumentRef-)?[A-Za-z0-9.-]+/g, (token, ref: string | undefined) => {
    if (ref) return token;
    if (/^(and|or|with)$/i.test(token)) return token.toUpperCase();
    return canonicalLicenseId(token) ?? token;
  });
  let ast: Node;
  try {
    ast = parseExpression(fixed) as Node;
  } catch (err) {
    return { error: `not a valid SPDX license expression (${(err as Error).message})` };
  }
  return { expression: render(ast) };
}

function render(n: Node, parent?: 'and' | 'or'): string {
  if ('license' in n) return `${n.license}${n.plus ? '+' : ''}${n.exception ? ` WITH ${n.exception}` : ''}`;
  const text = `${render(n.left, n.conjunction)} ${n.conjunction.toUpperCase()} ${render(n.right, n.conjunction)}`;
  // AND binds tighter than OR: only an OR inside an AND needs parentheses.
  return parent === 'and' && n.conjunction === 'or' ? `(${text})` : text;
}

/** A LicenseRef- idstring for a licence known only by name: [A-Za-z0-9.-]+, never empty. */
export function licenseRefFor(name: string): string {
  const id = name.trim().replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '');
  return `LicenseRef-${id || 'unnamed'}`;
}
