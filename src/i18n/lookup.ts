/** Looking a stored value (a plain string) up in a name table typed by its key union. */

/** The name of `key` in `table`, or `key` itself when the table has no such key (an old or foreign value). */
export function nameIn<K extends string>(table: Readonly<Record<K, string>>, key: string): string {
  return (Object.hasOwn(table, key) ? table[key as K] : undefined) ?? key;
}
