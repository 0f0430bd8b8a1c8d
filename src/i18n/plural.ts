/** The Russian plural form of a count: `1 изменение`, `2 изменения`, `5 изменений` (and 11–14 take `many`). */
export function ruPlural(n: number, one: string, few: string, many: string): string {
  const d = n % 10;
  const h = n % 100;
  if (d === 1 && h !== 11) return one;
  if (d >= 2 && d <= 4 && (h < 12 || h > 14)) return few;
  return many;
}
