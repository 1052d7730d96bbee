/**
 * The first key that appears twice in one object of a JSON text (JSON.parse keeps the last
 * silently; Go's decoder of a map keeps the last too, but fails on a type error in any
 * occurrence, so a value with duplicates can read one way to the gateway and another to
 * dockerd). `text` must be valid JSON (JSON.parse accepted it). Keys are compared unescaped.
 */
export function firstDuplicateKey(text: string): string | undefined {
  /** For each open container: the keys seen, or undefined for an array. */
  const stack: Array<Set<string> | undefined> = [];
  /** Whether the next string in the innermost object is a key. */
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.has(key)) return key;
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(undefined);
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      expectKey = stack[stack.length - 1] !== undefined;
    }
  }
  return undefined;
}
