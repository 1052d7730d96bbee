/**
 * Command-line flags shared by bench/ab.mjs and bench/layers.mjs: `--clients 1,16` (comma-separated
 * concurrencies), `--rounds N`, `--seconds N` (per measurement) and `--warmup SECONDS`.
 */

/**
 * Read `argv` into `opts` (which holds the defaults). Any other argument goes to
 * `other(arg, value, peek)`, where `value()` takes the next argument as the flag's value and
 * `peek()` reads it without taking it (for a flag whose value is optional); it returns false for
 * an argument it does not know, which is an error.
 */
export function readLoadFlags(argv, opts, other = () => false) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    const peek = () => argv[i + 1];
    if (arg === '--clients') opts.clients = value().split(',').map(Number);
    else if (arg === '--rounds') opts.rounds = Number(value());
    else if (arg === '--seconds') opts.seconds = Number(value());
    else if (arg === '--warmup') opts.warmup = Number(value());
    else if (!other(arg, value, peek)) throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}
