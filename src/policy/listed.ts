/** Lists in warnings: a policy of thousands of names makes no line of thousands. */

/** `items` joined with commas; past `max`, the rest counted (`a, b and 3 more`). */
export function listed(items: readonly string[], max: number): string {
  return items.length > max ? `${items.slice(0, max).join(', ')} and ${items.length - max} more` : items.join(', ');
}
