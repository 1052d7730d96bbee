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

/**
 * Every member of the object `text` holds, in order, duplicate keys included (JSON.parse keeps
 * only the last): each key unescaped, with its value's JSON text. `text` must be a JSON object
 * (JSON.parse accepted it and gave an object, not an array).
 */
export function objectMembers(text: string): Array<[key: string, value: string]> {
  const members: Array<[string, string]> = [];
  let depth = 0;
  let key: string | undefined;
  let valueStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && key === undefined) key = JSON.parse(text.slice(i, j + 1)) as string;
      i = j;
    } else if (c === ':' && depth === 1) {
      valueStart = i + 1;
    } else if (c === '{' || c === '[') {
      depth++;
    } else if (c === '}' || c === ']' || (c === ',' && depth === 1)) {
      if (depth === 1 && key !== undefined) {
        members.push([key, text.slice(valueStart, i).trim()]);
        key = undefined;
      }
      if (c !== ',') depth--;
    }
  }
  return members;
}
