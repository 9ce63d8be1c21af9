// Benchmark entry: `npm run bench -- <suite> [--flags]`. Suites are rows of one table.
import { autodiffBench } from './autodiff-bench.ts';
import { daemonBench } from './daemon-bench.ts';
import { demoBench } from './demo-bench.ts';
import { imagicBench } from './imagic-bench.ts';
import { measureCase } from './measure-case.ts';

type Suite = (flags: ReadonlySet<string>) => Promise<void>;

const suites: Readonly<Record<string, Suite>> = {
  autodiff: autodiffBench,
  daemon: daemonBench,
  imagic: imagicBench,
  demo: demoBench,
};

const [name, ...rest] = process.argv.slice(2);
if (name === '__case') {
  // A single measurement in a fresh process, so its peak RSS is its own (see measure-case.ts).
  await measureCase(rest);
} else {
  const suite = name ? suites[name] : undefined;
  if (!suite) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(suites).join('|')}> [flags]\n`);
    process.exitCode = 2;
  } else {
    await suite(new Set(rest));
  }
}
