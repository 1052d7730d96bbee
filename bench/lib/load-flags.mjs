/**
 * Command-line flags shared by bench/ab.mjs and bench/layers.mjs: `--clients 1,16` (comma-separated
 * concurrencies), `--rounds N`, `--seconds N` (per measurement) and `--warmup SECONDS`.
 */

/**
 * Read `argv` into `opts` (which holds the defaults). Any other argument goes to
 * `other(arg, value)`, where `value()` takes the next argument as the flag's value; it returns
 * false for an argument it does not know, which is an error.
 */
export function readLoadFlags(argv, opts, other = () => false) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--clients') opts.clients = value().split(',').map(Number);
    else if (arg === '--rounds') opts.rounds = Number(value());
    else if (arg === '--seconds') opts.seconds = Number(value());
    else if (arg === '--warmup') opts.warmup = Number(value());
    else if (!other(arg, value)) throw new Error(`unknown argument ${arg}`);
  }
  return opts;
}
