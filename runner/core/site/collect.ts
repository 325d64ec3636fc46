/** Appends to a list in a map of lists, creating it on first use (linear, unlike re-spreading). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, ...values: V[]): void {
  const list = map.get(key);
  if (list) list.push(...values);
  else map.set(key, [...values]);
}
