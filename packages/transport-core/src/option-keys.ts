/**
 * Refuses option keys a method does not know, as asyncio raises `TypeError` for an
 * unexpected keyword argument: a typo, or an asyncio spelling such as `reuse_port`,
 * would otherwise be ignored without a word. A key whose value is `undefined` passes
 * (an optional setting spread in from elsewhere).
 * @throws TypeError naming the key, with the camelCase name when the key is a
 *   snake_case spelling of a known option.
 */
export function checkOptionKeys(method: string, options: object, known: ReadonlySet<string>): void {
  for (const key of Object.keys(options)) {
    if (known.has(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const camel = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
    const hint = camel !== key && known.has(camel) ? ` (did you mean '${camel}'?)` : '';
    throw new TypeError(
      `${method}() got an unknown option '${key}'${hint}; known: ${[...known].join(', ')}`,
    );
  }
}
