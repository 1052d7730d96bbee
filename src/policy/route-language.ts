/**
 * Whether a path glob of a selector and a route pattern of the operation table can match a
 * common path. Both are sequences of single-character classes and `*`-repeated classes over
 * three classes (one literal character, any character but `/`, any character), so the answer
 * is exact: a breadth-first walk of the product of the two automata.
 *
 * It reads each route on its own, ignoring that an earlier route may take the path first, so
 * "overlaps" over-approximates "selects requests of": callers use it only where assuming too
 * much is the safe side (warnings, and refusing globs that overlap no route at all).
 */

/** A character class: one literal character, any but `/` (`seg`), or any (`any`). */
type CharClass = { lit: string } | 'seg' | 'any';

/** One step: exactly one character of the class, or any number of them (`star`). */
interface Step {
  cls: CharClass;
  star: boolean;
}

function literalSteps(text: string): Step[] {
  return [...text].map((c) => ({ cls: { lit: c }, star: false }));
}

/** A glob: `*` is any run within a segment, `**` any run across segments, the rest literal. */
export function globSteps(glob: string): Step[] {
  const steps: Step[] = [];
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      steps.push({ cls: 'any', star: true });
      i++;
    } else if (ch === '*') steps.push({ cls: 'seg', star: true });
    else steps.push({ cls: { lit: ch }, star: false });
  }
  return steps;
}

/**
 * A mux route template: `{name}` is `[^/]+`, `{name:.*}` any run, `{name:.+}` a non-empty run.
 * Any other variable regexp is read as any run, which only widens the overlap.
 */
export function routeSteps(pattern: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < pattern.length) {
    const open = pattern.indexOf('{', i);
    const close = open < 0 ? -1 : pattern.indexOf('}', open);
    if (open < 0 || close < 0) {
      steps.push(...literalSteps(pattern.slice(i)));
      break;
    }
    steps.push(...literalSteps(pattern.slice(i, open)));
    const variable = pattern.slice(open + 1, close);
    const colon = variable.indexOf(':');
    const re = colon < 0 ? undefined : variable.slice(colon + 1);
    if (re === undefined) steps.push({ cls: 'seg', star: false }, { cls: 'seg', star: true });
    else if (re === '.+') steps.push({ cls: 'any', star: false }, { cls: 'any', star: true });
    else steps.push({ cls: 'any', star: true });
    i = close + 1;
  }
  return steps;
}

function meet(a: CharClass, b: CharClass): boolean {
  if (typeof a === 'object' && typeof b === 'object') return a.lit === b.lit;
  if (typeof a === 'object') return b === 'any' || a.lit !== '/';
  if (typeof b === 'object') return a === 'any' || b.lit !== '/';
  return true;
}

/** True when some string matches both step sequences. */
export function overlaps(a: readonly Step[], b: readonly Step[]): boolean {
  const width = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * width);
  const queue: number[] = [0];
  seen[0] = 1;
  const visit = (i: number, j: number) => {
    const k = i * width + j;
    if (!seen[k]) {
      seen[k] = 1;
      queue.push(k);
    }
  };
  while (queue.length > 0) {
    const k = queue.pop() as number;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === a.length && j === b.length) return true;
    const sa = a[i];
    const sb = b[j];
    // A starred step may match nothing.
    if (sa?.star) visit(i + 1, j);
    if (sb?.star) visit(i, j + 1);
    // Both consume one common character: a starred step may stay for more.
    if (sa && sb && meet(sa.cls, sb.cls)) visit(sa.star ? i : i + 1, sb.star ? j : j + 1);
  }
  return false;
}
